// The run workflow's queries and updates, shared by the workflow (handlers) and the API, CLI and tests (callers).
// Loaded by the workflow bundle: payload types come in with `import type`, so zod never does.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AbortRequest, ApprovalDecision, ControlResult, ManualOutcome, RunControl, RunState, StepControl, StepDecision, StepRetry } from './run';

// Every update has a synchronous validator in the workflow, so a caller learns at once whether it was accepted.
// Rejections are ApplicationFailures whose type is one of contract/names REJECTION (Forbidden, Conflict, Invalid).

/** Live state: each step's status, attempts and times, and what the run is waiting for. */
export const runStateQuery = defineQuery<RunState>('runState');

export const approveStepUpdate = defineUpdate<ControlResult, [ApprovalDecision]>('approveStep');
export const completeManualUpdate = defineUpdate<ControlResult, [ManualOutcome]>('completeManual');
export const pauseRunUpdate = defineUpdate<ControlResult, [RunControl]>('pauseRun');
export const resumeRunUpdate = defineUpdate<ControlResult, [RunControl]>('resumeRun');
export const skipStepUpdate = defineUpdate<ControlResult, [StepControl]>('skipStep');
export const retryStepUpdate = defineUpdate<ControlResult, [StepRetry]>('retryStep');
export const decideStepUpdate = defineUpdate<ControlResult, [StepDecision]>('decideStep');
export const abortRunUpdate = defineUpdate<ControlResult, [AbortRequest]>('abortRun');
