import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { commandActivities } from '../activities/command';
import type { CarriedRecords } from '../activities/carried';
import type { Dispatched } from '../activities/dispatch';
import type { httpActivities } from '../activities/http';
import { FAILURE } from '../contract/names';
import type { ActionContext, ActionStep, Outcome } from './kit';

/** The activities automated steps call (named from their modules, not the whole registry, to keep the language acyclic). */
type StepActivities = ReturnType<typeof httpActivities> & ReturnType<typeof commandActivities>;

/** Temporal's timeouts on a step's activity: only a lost worker reaches them (the activity stops at the step's own). */
export const LOST_WORKER = {
  /** The activities heartbeat every 3 s (activities/dispatch.ts): a worker silent this long is gone. */
  heartbeatTimeoutMs: 15_000,
  /** Added to the step's timeout for the start-to-close one, so the activity's own timeout always fires first. */
  graceMs: 5_000,
  /** Dispatches of one attempt before Temporal gives up and the step fails as timed out. */
  maxDispatches: 10,
} as const;

/**
 * The activities of one attempt of an automated step. Temporal dispatches the attempt again (same activity id, same
 * idempotency key) only when the worker running it was lost; every failure the action itself raises has a FAILURE
 * type, is never retried here, and goes to the step's own `retry` policy, so every real attempt is on the timeline.
 */
export function attemptActivities(timeoutMs: number) {
  return proxyActivities<StepActivities>({
    startToCloseTimeout: timeoutMs + LOST_WORKER.graceMs,
    heartbeatTimeout: LOST_WORKER.heartbeatTimeoutMs,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '10 seconds',
      maximumAttempts: LOST_WORKER.maxDispatches,
      nonRetryableErrorTypes: Object.values(FAILURE),
    },
  });
}

/**
 * What every step activity's input carries beside its action's own fields: the attempt's timeout, where the step's
 * secrets go, the run's records to store with it, and the outputs its answer keeps (activities/dispatch.ts `kept`).
 */
export function attemptInput(step: ActionStep<unknown>, ctx: ActionContext, records: CarriedRecords | undefined) {
  return { timeoutMs: ctx.timeoutMs, secrets: step.secrets ?? [], records, outputs: step.outputs ?? {} };
}

/**
 * The idempotency key of one execution of a step: the same for every re-dispatch and every `retry` attempt of it;
 * a new one only for a fresh execution an operator asked for (docs/engine.md, "Idempotency").
 */
export function executionKey(runId: string, stepId: string, execution = 1): string {
  return execution > 1 ? `${runId}/${stepId}/e${execution}` : `${runId}/${stepId}`;
}

/** The key of the undo of an execution: a call of its own, so a target never takes it for a repeat of the step. */
export function undoKey(key: string): string {
  return `${key}/undo`;
}

/** The `run` of an action whose attempt is its `call` (runs before PATCH.leanSteps, rollback): the call through `dispatched`, its result the step's. */
export async function succeedsWithCall(ctx: ActionContext, call: (records: CarriedRecords | undefined) => Promise<Dispatched<unknown>>): Promise<Outcome> {
  return { kind: 'succeeded', result: await dispatched(ctx, call) };
}

/**
 * Calls a step's activity, handing it the run's records to store first (ActionContext.carry), and records on the
 * timeline any re-dispatch it took (an infrastructure event, not an attempt), whether it then succeeded or failed.
 */
export async function dispatched<T>(ctx: ActionContext, call: (records: CarriedRecords | undefined) => Promise<Dispatched<T>>): Promise<T> {
  const records = ctx.carry();
  let answer: Dispatched<T> | T;
  try {
    answer = await call(records);
  } catch (err) {
    // Failed or cancelled: whatever it stored is not known here, so the run writes it again (harmlessly).
    if (records) ctx.landed(records, undefined);
    noteRedispatches(ctx, failureDispatch(err));
    throw err;
  }
  // A workflow started before activities answered with `Dispatched` replays their plain results.
  if (!isDispatched(answer)) return answer;
  if (records) ctx.landed(records, answer.records);
  noteRedispatches(ctx, answer.dispatch);
  return answer.result;
}

/**
 * `dispatched` as one `.then` (PATCH.leanSteps): the same hand-over, landing and re-dispatch notes, with what the
 * attempt does next passed in, so a step's activity costs one promise here instead of an async function's.
 */
export function dispatch<T, R>(
  ctx: ActionContext,
  call: (records: CarriedRecords | undefined) => Promise<Dispatched<T>>,
  succeeded: (result: T) => R | Promise<R>,
  failed: (err: unknown) => R | Promise<R>,
): Promise<R> {
  const records = ctx.carry();
  let called: Promise<Dispatched<T>>;
  try {
    called = call(records);
  } catch (err) {
    called = Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  // Only runs started since PATCH.leanSteps come here: their activities all answer `Dispatched`.
  return called.then(
    (answer) => {
      if (records) ctx.landed(records, answer.records);
      noteRedispatches(ctx, answer.dispatch);
      return succeeded(answer.result);
    },
    (err: unknown) => {
      if (records) ctx.landed(records, undefined);
      noteRedispatches(ctx, failureDispatch(err));
      return failed(err);
    },
  );
}

const DISPATCHED_KEYS = new Set(['dispatch', 'result', 'records']);

function isDispatched<T>(answer: Dispatched<T> | T): answer is Dispatched<T> {
  return typeof answer === 'object' && answer !== null && 'dispatch' in answer && 'result' in answer && Object.keys(answer).every((k) => DISPATCHED_KEYS.has(k));
}

function noteRedispatches(ctx: ActionContext, dispatch: number): void {
  if (dispatch <= 1) return;
  const { id, attempts } = ctx.slot().state;
  ctx.emit('step.redispatched', {
    stepId: id,
    attempt: attempts,
    detail: {
      redispatches: dispatch - 1,
      reason: 'worker-lost',
      message: `the worker running this attempt was lost (no heartbeat for ${LOST_WORKER.heartbeatTimeoutMs / 1000} s); the same attempt was dispatched again under the same key`,
      key: ctx.key,
    },
  });
}

// activities/dispatch.ts appends `{ dispatch }` to the details of a failure that followed a lost dispatch.
function failureDispatch(err: unknown): number {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure)) return 1;
  const last: unknown = cause.details?.[cause.details.length - 1];
  return typeof last === 'object' && last !== null && 'dispatch' in last && typeof last.dispatch === 'number' ? last.dispatch : 1;
}
