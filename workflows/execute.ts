import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, isCancellation, sleep, TimeoutFailure } from '@temporalio/workflow';
import { parseDuration } from '../model/duration';
import { renderStep, runAction, stepTimeoutMs } from './actions';
import { runChildRunbook } from './child';
import type { RunEngine, StepRuntime } from './engine';
import { awaitApproval, awaitManual } from './humans';

/** How one round of a step ended. */
export type Outcome =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'failed'; message: string }
  | { kind: 'skipped'; reason: string; actor: string; detail?: Record<string, unknown> }
  | { kind: 'abort'; message: string }
  | { kind: 'cancelled' };

/** A step's failure as one line for people, and whether trying again could help. */
export function describeError(err: unknown): { message: string; timedOut: boolean; retryable: boolean } {
  let cause: unknown = err;
  if (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) cause = err.cause ?? err;
  if (cause instanceof TimeoutFailure) return { message: `timed out (${String(cause.timeoutType).replace('TIMEOUT_TYPE_', '').toLowerCase()})`, timedOut: true, retryable: true };
  if (cause instanceof ApplicationFailure) return { message: cause.message, timedOut: cause.type === 'StepTimedOut', retryable: !cause.nonRetryable };
  return { message: cause instanceof Error ? cause.message : String(cause), timedOut: false, retryable: true };
}

/**
 * Runs a round of attempts of a step (its retry policy) and reports how it ended. Every attempt, failure and
 * retry is on the timeline; an operator's "retry" starts another round, continuing the attempt count.
 */
export async function executeStep(engine: RunEngine, rt: StepRuntime): Promise<Outcome> {
  const { step } = rt;
  const human = step.action === 'approval' || step.action === 'manual';
  const maxAttempts = human ? 1 : (step.retry?.attempts ?? 1);
  let backoffMs = parseDuration(step.retry?.backoff ?? '1s') ?? 1000;
  const maxBackoffMs = step.retry?.maxBackoff ? (parseDuration(step.retry.maxBackoff) ?? Infinity) : Infinity;
  for (let round = 1; ; round++) {
    const attempt = rt.state.attempts + 1;
    rt.waitingSince = undefined;
    engine.setStep(rt, { status: 'running', attempts: attempt, startedAt: new Date().toISOString(), finishedAt: undefined, error: undefined });
    engine.timeline.emit('step.started', { stepId: step.id, attempt, detail: { action: step.action, title: step.title } });
    try {
      return await dispatch(engine, rt, attempt);
    } catch (err) {
      if (isCancellation(err)) return { kind: 'cancelled' };
      const { message, timedOut, retryable } = describeError(err);
      const final = round >= maxAttempts || !retryable;
      engine.timeline.emit(timedOut ? 'step.timed-out' : 'step.failed', { stepId: step.id, attempt, detail: { error: message, final } });
      if (final) return { kind: 'failed', message };
      engine.setStep(rt, { error: message });
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

async function dispatch(engine: RunEngine, rt: StepRuntime, attempt: number): Promise<Outcome> {
  const rendered = renderStep(rt.step, engine.templateContext());
  switch (rendered.action) {
    case 'approval':
      return awaitApproval(engine, rt);
    case 'manual':
      return awaitManual(engine, rt);
    case 'runbook':
      return { kind: 'succeeded', result: await runChildRunbook(engine, rendered, attempt) };
    default: {
      const result = await runAction(rendered, { run: engine.run, attempt, timeoutMs: stepTimeoutMs(rt.step) });
      return { kind: 'succeeded', result };
    }
  }
}
