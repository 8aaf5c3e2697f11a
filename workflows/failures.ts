import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/workflow';
import { FAILURE } from '../contract/names';

/** A step's failure as one line for people, and whether trying again could help. */
export function describeError(err: unknown): { message: string; timedOut: boolean; retryable: boolean } {
  let cause: unknown = err;
  if (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) cause = err.cause ?? err;
  if (cause instanceof TimeoutFailure) return { message: `timed out (${String(cause.timeoutType).replace('TIMEOUT_TYPE_', '').toLowerCase()})`, timedOut: true, retryable: true };
  if (cause instanceof ApplicationFailure) return { message: cause.message, timedOut: cause.type === FAILURE.stepTimedOut, retryable: !cause.nonRetryable };
  return { message: cause instanceof Error ? cause.message : String(cause), timedOut: false, retryable: true };
}
