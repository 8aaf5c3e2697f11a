// TODO(lead): remove once workflows/ imports contract/
// A shim for workflows/ only: everything else imports contract/run and contract/names. The workflow bundle loads
// this file for REJECTION, so its only runtime export comes from the zod-free contract/names.
export { REJECTION } from '../contract/names';
export type {
  AbortRequest,
  Actor,
  ApprovalDecision,
  ControlResult,
  ManualOutcome,
  PinnedRun,
  RecoveryClock,
  ResumeState,
  RunbookRef,
  RunControl,
  RunInput,
  RunState,
  RunStatus as RunPhase,
  RunTrigger,
  StepControl,
  StepDecision,
  StepState,
  StepStatus,
  WaitingFor,
} from '../contract/run';
