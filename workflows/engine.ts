import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { evaluateCondition, parseCondition } from '../model/condition';
import { parseDuration } from '../model/duration';
import type { ReferenceContext } from '../model/reference';
import type { RunRecord } from '../store/runs';
import type { RunInput, RunPhase, RunState, StepState, StepStatus } from '../runs/types';
import { valueAt } from '../runs/values';
import { renderStep, runAction, stepTimeoutMs, type Step } from './actions';
import { SEARCH_ATTRIBUTES } from './names';
import { TimelineWriter } from './timeline';

const { recordRun } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const DONE: StepStatus[] = ['succeeded', 'failed', 'skipped', 'simulated', 'cancelled'];

/** A step's failure as one line for people. */
function describeError(err: unknown): { message: string; timedOut: boolean } {
  if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) return { message: `timed out (${err.cause.timeoutType})`, timedOut: true };
  if (err instanceof ActivityFailure && err.cause) return { message: err.cause.message, timedOut: false };
  if (err instanceof Error) return { message: err.message, timedOut: false };
  return { message: String(err), timedOut: false };
}

/**
 * Runs one pinned runbook version: walks the step DAG, starting every step whose needs are met (in parallel),
 * and records every transition on the timeline. All state is plain data derived from workflow history.
 */
export class RunEngine {
  readonly state: RunState;
  readonly timeline: TimelineWriter;
  private readonly steps = new Map<string, Step>();
  private readonly stepStates = new Map<string, StepState>();
  private readonly outputs: Record<string, { outputs: Record<string, unknown>; status: StepStatus }> = {};
  private readonly scopes = new Map<string, CancellationScope>();
  private failure?: string;
  private tick = 0;
  private readonly clockStart: number;

  constructor(private readonly input: RunInput) {
    const now = new Date().toISOString();
    this.clockStart = Date.parse(input.declaredAt ?? now);
    const rto = input.runbook.objectives?.rto;
    for (const step of input.runbook.steps) {
      this.steps.set(step.id, step);
      this.stepStates.set(step.id, {
        id: step.id,
        title: step.title,
        action: step.action,
        status: 'pending',
        attempts: 0,
        expectedMs: step.expected ? parseDuration(step.expected) : undefined,
      });
    }
    this.state = {
      runId: input.runId,
      runbookId: input.runbook.id,
      version: input.version,
      hash: input.hash,
      mode: input.mode,
      status: 'running',
      startedAt: now,
      steps: [...this.stepStates.values()],
      waitingFor: [],
      recovery: {
        startedAt: new Date(this.clockStart).toISOString(),
        endsAt: input.runbook.recovery?.endsAt,
        targetMs: rto ? parseDuration(rto) : undefined,
        elapsedMs: 0,
        breached: false,
      },
    };
    this.timeline = new TimelineWriter(input.runId);
  }

  /** Runs the whole runbook; resolves with the final state (a failed run is a status, not an exception). */
  async execute(): Promise<RunState> {
    const { input } = this;
    this.timeline.emit('run.started', {
      actor: input.requester,
      detail: { runbook: input.runbook.id, version: input.version, hash: input.hash, mode: input.mode, trigger: input.trigger, parameters: input.parameters },
    });
    await recordRun(this.record());

    const running = new Map<string, Promise<void>>();
    for (;;) {
      if (!this.failure) {
        for (const step of this.readySteps()) {
          if (running.has(step.id)) continue;
          const scope = new CancellationScope();
          this.scopes.set(step.id, scope);
          running.set(step.id, scope.run(() => this.runStep(step)).finally(() => {
            running.delete(step.id);
            this.scopes.delete(step.id);
            this.changed();
          }));
        }
      }
      if (running.size === 0) break;
      const seen = this.tick;
      await condition(() => this.tick !== seen);
    }
    return this.finish();
  }

  private changed(): void {
    this.tick++;
  }

  /** Pending steps whose needs have all ended in a way that lets dependents go on. */
  private readySteps(): Step[] {
    const ready: Step[] = [];
    for (const step of this.steps.values()) {
      if (this.stepStates.get(step.id)!.status !== 'pending') continue;
      const needsMet = (step.needs ?? []).every((id) => {
        const s = this.stepStates.get(id)!;
        return s.status === 'succeeded' || s.status === 'skipped' || s.status === 'simulated' || (s.status === 'failed' && this.steps.get(id)!.onFailure === 'continue');
      });
      if (needsMet) ready.push(step);
    }
    return ready;
  }

  private templateContext(): ReferenceContext {
    const { input } = this;
    return { params: input.parameters, steps: this.outputs, run: { id: input.runId, mode: input.mode, requester: input.requester } };
  }

  private setStep(id: string, patch: Partial<StepState>): StepState {
    const s = this.stepStates.get(id)!;
    Object.assign(s, patch);
    if (patch.status && DONE.includes(patch.status)) this.outputs[id] = { outputs: s.outputs ?? {}, status: patch.status };
    this.changed();
    return s;
  }

  private async runStep(step: Step): Promise<void> {
    const { input } = this;
    if (step.when) {
      const parsed = parseCondition(step.when);
      const holds = parsed.ok ? evaluateCondition(parsed.ast, this.templateContext()) : false;
      if (!holds) {
        this.setStep(step.id, { status: 'skipped', reason: `when is false: ${step.when}` });
        this.timeline.emit('step.skipped', { stepId: step.id, detail: { reason: 'when', when: step.when } });
        return;
      }
    }
    if (input.mode === 'drill' && step.drill === 'skip') {
      this.setStep(step.id, { status: 'skipped', reason: 'drill: skip' });
      this.timeline.emit('step.skipped', { stepId: step.id, detail: { reason: 'drill' } });
      return;
    }
    if (input.mode === 'drill' && step.drill === 'simulate') {
      this.setStep(step.id, { status: 'simulated', reason: 'drill: simulate' });
      this.timeline.emit('step.simulated', { stepId: step.id, detail: { action: step.action } });
      return;
    }
    await this.attempt(step);
  }

  /** Runs a step's attempts until one succeeds or its retry policy is spent, then applies onFailure. */
  private async attempt(step: Step): Promise<void> {
    const maxAttempts = step.retry?.attempts ?? 1;
    const timeoutMs = stepTimeoutMs(step);
    let backoffMs = parseDuration(step.retry?.backoff ?? '1s') ?? 1000;
    const maxBackoffMs = step.retry?.maxBackoff ? (parseDuration(step.retry.maxBackoff) ?? Infinity) : Infinity;
    for (let attempt = 1; ; attempt++) {
      const startedAt = new Date().toISOString();
      this.setStep(step.id, { status: 'running', attempts: attempt, startedAt, error: undefined });
      this.timeline.emit('step.started', { stepId: step.id, attempt, detail: { action: step.action, title: step.title } });
      try {
        const rendered = renderStep(step, this.templateContext());
        const result = await runAction(rendered, { runId: this.input.runId, mode: this.input.mode, attempt, timeoutMs });
        const outputs = Object.fromEntries(Object.entries(step.outputs ?? {}).map(([name, path]) => [name, valueAt(result, path)]));
        const finishedAt = new Date().toISOString();
        const actualMs = Date.parse(finishedAt) - Date.parse(startedAt);
        this.setStep(step.id, { status: 'succeeded', finishedAt, actualMs, outputs });
        this.timeline.emit('step.succeeded', { stepId: step.id, attempt, detail: { durationMs: actualMs, outputs } });
        this.onStepSucceeded(step);
        return;
      } catch (err) {
        if (isCancellation(err)) {
          this.setStep(step.id, { status: 'cancelled', finishedAt: new Date().toISOString(), reason: this.failure ?? 'cancelled' });
          return;
        }
        const { message, timedOut } = describeError(err);
        const retryable = !(err instanceof ApplicationFailure && err.nonRetryable) && !(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable);
        this.timeline.emit(timedOut ? 'step.timed-out' : 'step.failed', { stepId: step.id, attempt, detail: { error: message, final: attempt >= maxAttempts || !retryable } });
        if (attempt < maxAttempts && retryable) {
          this.setStep(step.id, { status: 'running', error: message });
          this.timeline.emit('step.retrying', { stepId: step.id, attempt: attempt + 1, detail: { afterMs: backoffMs, error: message } });
          await sleep(backoffMs);
          backoffMs = Math.min(backoffMs * (step.retry?.factor ?? 2), maxBackoffMs);
          continue;
        }
        this.setStep(step.id, { status: 'failed', finishedAt: new Date().toISOString(), error: message });
        this.onStepFailed(step, message);
        return;
      }
    }
  }

  private onStepSucceeded(step: Step): void {
    const { recovery } = this.state;
    if (recovery.endsAt === step.id && recovery.achievedMs === undefined) this.recoveryAchieved();
  }

  private recoveryAchieved(): void {
    const { recovery } = this.state;
    recovery.achievedMs = Date.now() - this.clockStart;
    recovery.elapsedMs = recovery.achievedMs;
    recovery.breached = recovery.targetMs !== undefined && recovery.achievedMs > recovery.targetMs;
    this.timeline.emit('recovery.achieved', { detail: { achievedMs: recovery.achievedMs, targetMs: recovery.targetMs, breached: recovery.breached } });
  }

  private onStepFailed(step: Step, message: string): void {
    if (step.onFailure === 'continue') return;
    // abort (and, until rollback and ask are wired, every other mode) stops scheduling and cancels running steps.
    this.failure = `step ${step.id} failed: ${message}`;
    for (const [id, scope] of this.scopes) if (id !== step.id) scope.cancel();
  }

  private async finish(): Promise<RunState> {
    const now = new Date().toISOString();
    for (const s of this.stepStates.values()) {
      if (s.status === 'pending') this.setStep(s.id, { status: 'cancelled', reason: this.failure ? 'not started: the run failed' : 'not started: a step it needs did not succeed' });
    }
    const status: RunPhase = this.failure ? 'failed' : 'completed';
    if (status === 'completed' && this.state.recovery.achievedMs === undefined) this.recoveryAchieved();
    this.state.status = status;
    this.state.finishedAt = now;
    this.state.error = this.failure;
    this.state.recovery.elapsedMs = Date.now() - this.clockStart;
    upsertSearchAttributes({ [SEARCH_ATTRIBUTES.status]: [status] });
    this.timeline.emit(status === 'completed' ? 'run.completed' : 'run.failed', {
      detail: { error: this.failure, recovery: { ...this.state.recovery } },
    });
    await this.timeline.close();
    await recordRun(this.record());
    return this.state;
  }

  /** The durable run summary, as of now. */
  private record(): RunRecord {
    const { input, state } = this;
    return {
      runId: input.runId,
      runbookId: input.runbook.id,
      version: input.version,
      hash: input.hash,
      title: input.runbook.title,
      mode: input.mode,
      status: state.status === 'paused' ? 'running' : state.status,
      requester: input.requester,
      trigger: input.trigger,
      parameters: input.parameters,
      startedAt: state.startedAt,
      declaredAt: input.declaredAt,
      finishedAt: state.finishedAt,
      error: state.error,
      recovery: { targetMs: state.recovery.targetMs, achievedMs: state.recovery.achievedMs, breached: state.recovery.breached, endsAt: state.recovery.endsAt },
    };
  }
}
