// PLACEHOLDER in the engine branch; merged with the contract branch's contract/names.ts.
export const FAILURE = {
  stepTimedOut: 'StepTimedOut',
  approvalRejected: 'ApprovalRejected',
  manualFailed: 'ManualFailed',
  childRunFailed: 'ChildRunFailed',
} as const;
export { SEARCH_ATTRIBUTES } from '../workflows/names';
