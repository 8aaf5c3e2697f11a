import { ApplicationFailure, isCancellation, sleep } from '@temporalio/workflow';
import { actionOf } from '../actions';
import { dispatch, executionKey } from '../actions/proxy';
import type { ActionDefinition, Outcome } from '../actions/kit';
import { parseDuration } from '../model/duration';
import type { ReferenceContext } from '../model/reference';
import type { Step, Undo } from '../model/runbook';
import { renderSealed, sealTemplate, type SecretSlot } from '../model/template';
import { FAILURE } from '../contract/names';
import { jsonBytes, requestProblem } from '../runs/outputs';
import type { StepRunner } from './port';
import { describeError } from './failures';

/** What running an action needs of a step; an `undo` with the step's id is one too (actions see it as an ActionStep). */
export type RunnableStep = { id: string; title?: string; timeout?: string } & (Pick<Step, 'action' | 'with'> | Undo);

/** The timeout of one attempt of a step: its own, else the action's default. */
export function stepTimeoutMs(step: RunnableStep): number {
  const own = step.timeout ? parseDuration(step.timeout) : undefined;
  return own ?? actionOf(step.action).timeoutMs;
}

/**
 * The step with its `with` templates rendered against the run so far. `{{ secrets.X }}` stays as written, and
 * `secrets` says where each one goes (from the runbook's text, never from rendered values): secrets are put in only
 * inside activities, so they never enter workflow history. When the step has secrets, the pieces of the field whose
 * URL decides where they may go (`url`) are listed too, so the activity can tell a host the runbook wrote from one a
 * parameter or output chose.
 */
export function renderStep<T extends RunnableStep>(step: T, ctx: ReferenceContext): T & { secrets: SecretSlot[] } {
  const sealed = renderSealed(step.with, ctx);
  const host = actionOf(step.action).secrets?.host;
  const source: unknown = host === undefined || typeof step.with !== 'object' || step.with === null ? undefined : Reflect.get(step.with, host);
  if (host !== undefined && sealed.secrets.length > 0 && typeof source === 'string' && !sealed.secrets.some((s) => s.path.length === 1 && s.path[0] === host)) {
    sealed.secrets.push({ path: [host], parts: sealTemplate(source, ctx) });
  }
  // Rendering replaces template strings inside `with` and keeps its shape, which the runbook's validation checked.
  const rendered: RunnableStep = { ...step, with: sealed.value as T['with'] };
  return Object.assign(rendered, { secrets: sealed.secrets }) as T & { secrets: SecretSlot[] };
}

/**
 * Runs a round of attempts of a step (its retry policy) and reports how it ended. Every attempt, failure and
 * retry is on the timeline; an operator's "retry" starts another round, continuing the attempt count.
 */
export async function runAttempts(engine: StepRunner, step: Step): Promise<Outcome> {
  const def = actionOf(step.action);
  const maxAttempts = def.human ? 1 : (step.retry?.attempts ?? 1);
  let backoffMs = parseDuration(step.retry?.backoff ?? '1s') ?? 1000;
  const maxBackoffMs = step.retry?.maxBackoff ? (parseDuration(step.retry.maxBackoff) ?? Infinity) : Infinity;
  for (let round = 1; ; round++) {
    const attempt = engine.store.slot(step.id)!.state.attempts + 1;
    engine.store.patchStep(step.id, {
      waitingSince: undefined,
      state: { status: 'running', attempts: attempt, startedAt: new Date().toISOString(), finishedAt: undefined, error: undefined },
    });
    engine.timeline.emit('step.started', { stepId: step.id, attempt, detail: { action: step.action, title: step.title } });
    try {
      const rendered = renderStep(step, engine.templateContext());
      const key = executionKey(engine.run.runId, step.id, engine.store.slot(step.id)!.state.execution);
      return await def.run(rendered, engine.contextFor(step, attempt, stepTimeoutMs(step), key));
    } catch (err) {
      if (isCancellation(err)) return { kind: 'cancelled' };
      const { message, timedOut, retryable } = describeError(err);
      const final = round >= maxAttempts || !retryable;
      engine.timeline.emit(timedOut ? 'step.timed-out' : 'step.failed', { stepId: step.id, attempt, detail: { error: message, final } });
      if (final) return { kind: 'failed', message };
      engine.store.patchStep(step.id, { state: { error: message } });
      engine.timeline.emit('step.retrying', { stepId: step.id, attempt: attempt + 1, detail: { afterMs: backoffMs, error: message } });
      try {
        await sleep(backoffMs);
      } catch (sleepErr) {
        if (isCancellation(sleepErr)) return { kind: 'cancelled' };
        throw sleepErr;
      }
      backoffMs = Math.min(backoffMs * (step.retry?.factor ?? 2), maxBackoffMs);
    }
  }
}

/** A step's retry policy for one round of attempts; the backoff grows as the round goes on. */
interface Round {
  def: ActionDefinition;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/**
 * runAttempts as short promise chains (PATCH.leanSteps): the same attempts, timeline events and retries, without an
 * async function per layer. Marks the round's first attempt started now and answers its launch: the scheduler calls
 * it once every step of its pass is marked started, so the first step's activity carries all their events.
 */
export function beginAttempts(engine: StepRunner, step: Step): Begun {
  const def = actionOf(step.action);
  const maxBackoffMs = step.retry?.maxBackoff ? (parseDuration(step.retry.maxBackoff) ?? Infinity) : Infinity;
  const round: Round = { def, maxAttempts: def.human ? 1 : (step.retry?.attempts ?? 1), backoffMs: parseDuration(step.retry?.backoff ?? '1s') ?? 1000, maxBackoffMs };
  return beginAttempt(engine, step, round, 1);
}

/** An attempt marked started: its launch, and the JSON bytes of its request (0 unless the run bounds them). */
export interface Begun {
  launch: () => Promise<Outcome>;
  bytes: number;
}

function beginAttempt(engine: StepRunner, step: Step, round: Round, n: number): Begun {
  const attempt = engine.store.slot(step.id)!.state.attempts + 1;
  engine.store.patchStep(step.id, {
    waitingSince: undefined,
    state: { status: 'running', attempts: attempt, startedAt: new Date().toISOString(), finishedAt: undefined, error: undefined },
  });
  engine.timeline.emit('step.started', { stepId: step.id, attempt, detail: { action: step.action, title: step.title } });
  // Rendered now, so the pass knows the request's size before it starts another step (PATCH.boundedPayloads). The
  // templates see what they would at the launch: the pass only marks steps started in between.
  let rendered: ReturnType<typeof renderStep<Step>> | undefined;
  let renderError: unknown;
  try {
    rendered = renderStep(step, engine.templateContext());
  } catch (err) {
    renderError = err;
  }
  const bytes = rendered !== undefined && engine.boundsPayloads ? jsonBytes(rendered.with) : 0;
  const launch = () => {
    const failed = (err: unknown) => attemptFailed(engine, step, round, n, attempt, err);
    if (rendered === undefined) return failed(renderError);
    const tooLarge = engine.boundsPayloads ? requestProblem(bytes) : undefined;
    if (tooLarge !== undefined) return failed(ApplicationFailure.nonRetryable(`the step was not sent: ${tooLarge}`, FAILURE.requestTooLarge));
    const request = rendered;
    // A result whose outputs the step may not keep fails the attempt, non-retryably: the action itself is done.
    const succeeded = (result: unknown): Outcome | Promise<Outcome> => {
      const refused = engine.outputsRefused(step, result);
      return refused === undefined ? { kind: 'succeeded', result } : failed(ApplicationFailure.nonRetryable(`the step succeeded, but ${refused}`, FAILURE.outputsTooLarge));
    };
    try {
      const key = executionKey(engine.run.runId, step.id, engine.store.slot(step.id)!.state.execution);
      const ctx = engine.contextFor(step, attempt, stepTimeoutMs(step), key);
      const { call } = round.def;
      if (call) return dispatch(ctx, (records) => call(request, ctx, records), succeeded, failed);
      return round.def.run(request, ctx).then((outcome) => (outcome.kind === 'succeeded' ? succeeded(outcome.result) : outcome), failed);
    } catch (err) {
      return failed(err);
    }
  };
  return { launch, bytes };
}

/** What runAttempts does when an attempt throws: a cancellation, the round's last failure, or a retry after the backoff. */
async function attemptFailed(engine: StepRunner, step: Step, round: Round, n: number, attempt: number, err: unknown): Promise<Outcome> {
  if (isCancellation(err)) return { kind: 'cancelled' };
  const { message, timedOut, retryable } = describeError(err);
  const final = n >= round.maxAttempts || !retryable;
  engine.timeline.emit(timedOut ? 'step.timed-out' : 'step.failed', { stepId: step.id, attempt, detail: { error: message, final } });
  if (final) return { kind: 'failed', message };
  engine.store.patchStep(step.id, { state: { error: message } });
  engine.timeline.emit('step.retrying', { stepId: step.id, attempt: attempt + 1, detail: { afterMs: round.backoffMs, error: message } });
  try {
    await sleep(round.backoffMs);
  } catch (sleepErr) {
    if (isCancellation(sleepErr)) return { kind: 'cancelled' };
    throw sleepErr;
  }
  round.backoffMs = Math.min(round.backoffMs * (step.retry?.factor ?? 2), round.maxBackoffMs);
  return beginAttempt(engine, step, round, n + 1).launch();
}
