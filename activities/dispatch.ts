import { ApplicationFailure, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import { FAILURE } from '../contract/names';
import { formatDuration } from '../model/duration';
import { outputsOf, outputsProblem, selectPaths } from '../runs/outputs';
import type { CarriedAnswer, CarriedRecords, Carry } from './carried';

/**
 * What a step's activity answers: its result, which dispatch of the attempt produced it (2+ after a lost worker), and
 * what it stored of the run's records it was handed (activities/carried.ts).
 */
export interface Dispatched<T> {
  result: T;
  dispatch: number;
  records?: CarriedAnswer;
}

/**
 * Runs a step's dispatch while storing the records it carries, side by side (as a flush activity ran beside the step
 * before): the store's latency is not added to the step's. The answer says what was stored.
 */
export async function carrying<T>(carry: Carry | undefined, records: CarriedRecords | undefined, run: () => Promise<Dispatched<T>>): Promise<Dispatched<T>> {
  const [stored, answer] = await Promise.all([records && carry ? carry(records) : undefined, run()]);
  return stored ? { ...answer, records: stored } : answer;
}

/** A step's result as its activity answers it: whole when the caller names no outputs, else only what they select. */
export type Kept<T> = T | { readonly [key: string]: unknown };

/**
 * What a step keeps of its activity's result: only what its `outputs` select (runs/outputs.ts: the rest, a body of up
 * to LIFEBOAT_HTTP_MAX_BODY, would go into history with every step), and nothing past STEP_OUTPUTS_BYTES: the call
 * happened, so the failure is non-retryable (a retry would repeat it) and says so. Without `outputs` (a caller that
 * names none, such as a test), the whole result.
 */
export function kept<T>(result: T, outputs: Readonly<Record<string, string>> | undefined, what: string): Kept<T> {
  if (outputs === undefined) return result;
  const problem = outputsProblem(outputsOf(outputs, result));
  if (problem) throw ApplicationFailure.nonRetryable(`${what} succeeded, but ${problem}`, FAILURE.outputsTooLarge);
  return selectPaths(result, Object.values(outputs));
}

// Well inside the heartbeat timeout the workflow sets (actions/proxy.ts), so only a lost worker misses it.
const HEARTBEAT_EVERY_MS = 3_000;

/**
 * Runs one dispatch of a step's attempt. It heartbeats while it waits, so a lost worker is noticed in seconds and an
 * operator's abort reaches it; it stops at the step's timeout itself (`signal`), so Temporal's own timeouts fire only
 * when the worker is gone. Every failure leaving it has a FAILURE type: the step's own, never retried by Temporal.
 */
export async function runDispatch<T>(timeoutMs: number, what: string | (() => string), work: (signal: AbortSignal) => Promise<T>): Promise<Dispatched<T>> {
  const ctx = Context.current();
  const dispatch = ctx.info.attempt;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([ctx.cancellationSignal, deadline]);
  // No heartbeat at the start: each one is a call to the server, and most steps are over before the first beat.
  const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return { result: await work(signal), dispatch };
  } catch (err) {
    if (ctx.cancellationSignal.aborted || err instanceof CancelledFailure) throw err;
    if (deadline.aborted) throw withDispatch(ApplicationFailure.retryable(`${name(what)} timed out after ${formatDuration(timeoutMs)}`, FAILURE.stepTimedOut), dispatch);
    if (err instanceof ApplicationFailure) throw withDispatch(err, dispatch);
    throw withDispatch(ApplicationFailure.retryable(`${name(what)} failed: ${err instanceof Error ? err.message : String(err)}`, FAILURE.activityError), dispatch);
  } finally {
    clearInterval(beat);
  }
}

// The workflow learns of earlier lost dispatches from a failure too (actions/proxy.ts reads the last detail).
function withDispatch(err: ApplicationFailure, dispatch: number): ApplicationFailure {
  if (dispatch === 1) return err;
  return new ApplicationFailure(err.message, err.type, err.nonRetryable, [...(err.details ?? []), { dispatch }]);
}

function name(what: string | (() => string)): string {
  return typeof what === 'string' ? what : what();
}
