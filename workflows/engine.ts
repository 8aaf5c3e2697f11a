import { allHandlersFinished, CancellationScope, condition, continueAsNew, isCancellation, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { evaluateCondition, parseCondition } from '../model/condition';
import { parseDuration } from '../model/duration';
import type { ReferenceContext } from '../model/reference';
import type { RunRecord } from '../store/runs';
import type { PinnedRun, ResumeState, RunPhase, RunState, StepState, WaitingFor } from '../runs/types';
import { valueAt } from '../runs/values';
import { executeStep, type Outcome } from './execute';
import { SEARCH_ATTRIBUTES } from './names';
import { Notifier } from './notifications';
import { rollBack } from './rollback';
import type { Step } from './actions';
import { TimelineWriter } from './timeline';

const { recordRun } = proxyActivities<Activities>({
  // A write is a few point operations: a worker that died mid-write is noticed after 10 s and the write retried.
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** A step as the run executes it: its definition, its public state, and what operators have said about it. */
export interface StepRuntime {
  step: Step;
  state: StepState;
  scope?: CancellationScope;
  /** Order in which steps succeeded, for rollback. */
  doneOrder?: number;
  waitingSince?: string;
  /** An operator's answer to an `onFailure: ask` step, or to a retry of a failed step. */
  decision?: 'retry' | 'skip' | 'abort';
  decisionReason?: string;
  manual?: { actor: string; outcome: 'done' | 'failed'; note?: string; evidence?: string[] };
  /** Set when an operator skips a step that is waiting (approval or manual). */
  skipRequested?: { actor: string; reason: string };
}

/** Why the run stopped early: a failed step (abort or rollback) or an operator's abort. */
export interface Halt {
  status: 'failed' | 'aborted';
  reason: string;
  actor: string;
  rollback: boolean;
}

const FINAL = new Set(['succeeded', 'failed', 'skipped', 'simulated', 'cancelled']);

// Continue-as-new well before Temporal's history limits; the server also suggests it when history grows large.
const HISTORY_EVENTS_LIMIT = 8000;

/**
 * Runs one pinned runbook version: walks the step DAG, starting every step whose needs are met (in parallel),
 * and records every transition on the timeline. All state is plain data derived from workflow history.
 */
export class RunEngine {
  readonly timeline: TimelineWriter;
  readonly notifier: Notifier;
  readonly steps = new Map<string, StepRuntime>();
  paused = false;
  pausedSince?: string;
  halt?: Halt;
  private status: RunPhase = 'running';
  private finishedAt?: string;
  private tick = 0;
  private completions = 0;
  private readonly startedAt: string;
  private readonly clockStart: number;
  private achievedMs?: number;

  private continued = 0;
  private recorded: Promise<void> = Promise.resolve();

  constructor(readonly run: PinnedRun) {
    const resume = run.resume;
    this.startedAt = resume?.startedAt ?? new Date().toISOString();
    this.clockStart = resume?.clockStart ?? Date.parse(run.declaredAt ?? this.startedAt);
    const resumed = new Map((resume?.steps ?? []).map((s) => [s.id, s]));
    for (const step of run.runbook.steps) {
      const prior = resumed.get(step.id);
      const { doneOrder, ...state } = prior ?? { id: step.id, title: step.title, action: step.action, status: 'pending' as const, attempts: 0, expectedMs: step.expected ? parseDuration(step.expected) : undefined };
      this.steps.set(step.id, { step, state, doneOrder });
    }
    if (resume) {
      this.achievedMs = resume.achievedMs;
      this.paused = resume.paused;
      this.pausedSince = resume.pausedSince;
      this.completions = resume.completions;
      this.continued = resume.continued;
    }
    this.timeline = new TimelineWriter(run.runId, resume?.timelineSeq ?? 0);
    this.notifier = new Notifier(run, this.timeline, () => this.templateContext(), resume?.notifications ?? 0);
  }

  /** Something changed that the scheduler or a waiting step may care about. */
  changed(): void {
    this.tick++;
  }

  get targetMs(): number | undefined {
    return this.run.runbook.objectives?.rto ? parseDuration(this.run.runbook.objectives.rto) : undefined;
  }

  /** The live state the query and every accepted update answer with. */
  snapshot(): RunState {
    const elapsedMs = (this.finishedAt ? Date.parse(this.finishedAt) : Date.now()) - this.clockStart;
    const targetMs = this.targetMs;
    return {
      runId: this.run.runId,
      runbookId: this.run.runbook.id,
      version: this.run.version,
      hash: this.run.hash,
      mode: this.run.mode,
      status: this.status === 'running' && this.paused ? 'paused' : this.status,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      error: this.halt?.reason,
      steps: [...this.steps.values()].map((rt) => rt.state),
      waitingFor: this.waitingFor(),
      recovery: {
        startedAt: new Date(this.clockStart).toISOString(),
        endsAt: this.run.runbook.recovery?.endsAt,
        targetMs,
        elapsedMs: this.achievedMs ?? elapsedMs,
        remainingMs: targetMs === undefined || this.achievedMs !== undefined ? undefined : Math.max(targetMs - elapsedMs, 0),
        achievedMs: this.achievedMs,
        breached: targetMs !== undefined && (this.achievedMs ?? elapsedMs) > targetMs,
      },
    };
  }

  private waitingFor(): WaitingFor[] {
    const out: WaitingFor[] = [];
    if (this.paused && this.status === 'running') out.push({ kind: 'resume', from: ['operator'], message: 'the run is paused: no new step starts until an operator resumes it', since: this.pausedSince ?? this.startedAt });
    for (const { step, state, waitingSince } of this.steps.values()) {
      const since = waitingSince ?? this.startedAt;
      if (state.awaitingDecision) {
        out.push({ stepId: step.id, kind: 'decision', from: ['operator'], message: `step ${step.id} failed (${state.error ?? 'error'}): decide retry, skip or abort`, since });
      } else if (state.status === 'waiting' && step.action === 'approval') {
        const granted = (state.approvals ?? []).filter((a) => a.decision === 'approve').length;
        out.push({ stepId: step.id, kind: 'approval', from: step.with.approvers, message: `approval of ${step.title ?? step.id}: ${granted} of ${step.with.quorum} from ${step.with.approvers.join(' or ')}`, since });
      } else if (state.status === 'waiting' && step.action === 'manual') {
        out.push({ stepId: step.id, kind: 'manual', from: [step.with.assignee ?? 'operator'], message: `manual task ${step.title ?? step.id}: mark it done or failed`, since });
      }
    }
    return out;
  }

  templateContext(): ReferenceContext {
    const steps: Record<string, { status: string; outputs: Record<string, unknown> }> = {};
    for (const [id, rt] of this.steps) if (FINAL.has(rt.state.status)) steps[id] = { status: rt.state.status, outputs: rt.state.outputs ?? {} };
    return { params: this.run.parameters, steps, run: { id: this.run.runId, mode: this.run.mode, requester: this.run.requester } };
  }

  setStep(rt: StepRuntime, patch: Partial<StepState>): void {
    Object.assign(rt.state, patch);
    this.changed();
  }

  /** Runs the whole runbook; resolves with the final state (a failed run is a status, not an exception). */
  async execute(): Promise<RunState> {
    const { run } = this;
    if (run.resume) {
      this.timeline.emit('run.continued', { detail: { continued: this.continued } });
    } else {
      this.timeline.emit('run.started', {
        actor: run.requester,
        detail: { runbook: run.runbook.id, version: run.version, hash: run.hash, mode: run.mode, trigger: run.trigger, parameters: run.parameters, declaredAt: run.declaredAt },
      });
      this.notifier.notify('run.started', { detail: { trigger: run.trigger, parameters: run.parameters } });
      // The first steps need not wait for the run's record; finish() awaits it before writing the final one.
      this.recorded = CancellationScope.nonCancellable(() => recordRun(this.record()));
    }
    const running = new Map<string, Promise<void>>();
    try {
      if ((await this.schedule(running)) === 'continue') return await this.continueAsNew();
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // The workflow itself was cancelled (by a parent run or `temporal workflow cancel`): an abort.
      this.stopRun({ status: 'aborted', reason: 'the run was cancelled', actor: 'temporal', rollback: false });
    }
    return CancellationScope.nonCancellable(async () => {
      await Promise.all(running.values());
      return this.finish();
    });
  }

  private async schedule(running: Map<string, Promise<void>>): Promise<'done' | 'continue'> {
    for (;;) {
      // A long run drains (starts nothing new) once history is large, then continues as a new workflow run.
      const draining = workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_LIMIT;
      if (draining && running.size === 0 && !this.halt && this.readySteps().length > 0) return 'continue';
      if (!this.halt && !this.paused && !draining) {
        for (const rt of this.readySteps()) {
          if (running.has(rt.step.id)) continue;
          const scope = new CancellationScope();
          rt.scope = scope;
          running.set(rt.step.id, scope.run(() => this.runStep(rt)).finally(() => {
            running.delete(rt.step.id);
            rt.scope = undefined;
            this.changed();
          }));
        }
      }
      // Paused with steps ready to start: wait for resume. Otherwise nothing running and nothing startable ends it.
      if (running.size === 0 && (this.halt || this.readySteps().length === 0)) return 'done';
      const seen = this.tick;
      await condition(() => this.tick !== seen);
    }
  }

  /** Pending steps whose needs have all ended in a way that lets dependents go on. */
  private readySteps(): StepRuntime[] {
    const ready: StepRuntime[] = [];
    for (const rt of this.steps.values()) {
      if (rt.state.status !== 'pending') continue;
      const met = (rt.step.needs ?? []).every((id) => {
        const need = this.steps.get(id)!;
        const s = need.state.status;
        return s === 'succeeded' || s === 'skipped' || s === 'simulated' || (s === 'failed' && need.step.onFailure === 'continue' && !need.state.awaitingDecision);
      });
      if (met) ready.push(rt);
    }
    return ready;
  }

  private async runStep(rt: StepRuntime): Promise<void> {
    const { step } = rt;
    const mode = this.run.mode;
    if (step.when && rt.state.attempts === 0) {
      const parsed = parseCondition(step.when);
      let holds = false;
      let error: string | undefined;
      try {
        holds = parsed.ok ? evaluateCondition(parsed.ast, this.templateContext()) : false;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      if (!holds) return this.skip(rt, error ? `when could not be evaluated: ${error}` : `when is false: ${step.when}`, 'lifeboat', { reason: 'when', when: step.when, error });
    }
    if (mode === 'drill' && step.drill === 'skip') return this.skip(rt, 'drill: skip', 'lifeboat', { reason: 'drill' });
    if (mode === 'drill' && step.drill === 'simulate') {
      this.setStep(rt, { status: 'simulated', reason: 'drill: simulate', finishedAt: new Date().toISOString() });
      this.timeline.emit('step.simulated', { stepId: step.id, detail: { action: step.action } });
      return;
    }
    for (;;) {
      const outcome = await executeStep(this, rt);
      if (outcome.kind !== 'failed') return this.settle(rt, outcome);
      const next = await this.onFailure(rt, outcome.message);
      if (next === 'stop') return;
    }
  }

  skip(rt: StepRuntime, reason: string, actor: string, detail: Record<string, unknown> = {}): void {
    this.setStep(rt, { status: 'skipped', reason, awaitingDecision: undefined, finishedAt: new Date().toISOString() });
    this.timeline.emit('step.skipped', { stepId: rt.step.id, actor, detail: { ...detail, reason } });
  }

  private settle(rt: StepRuntime, outcome: Exclude<Outcome, { kind: 'failed' }>): void {
    if (outcome.kind === 'cancelled') {
      this.setStep(rt, { status: 'cancelled', finishedAt: new Date().toISOString(), reason: this.halt?.reason ?? 'cancelled' });
    } else if (outcome.kind === 'skipped') {
      this.skip(rt, outcome.reason, outcome.actor, outcome.detail);
    } else if (outcome.kind === 'abort') {
      this.setStep(rt, { status: 'failed', finishedAt: new Date().toISOString(), error: outcome.message });
      this.stopRun({ status: 'failed', reason: `step ${rt.step.id}: ${outcome.message}`, actor: 'lifeboat', rollback: false });
    } else {
      const outputs = Object.fromEntries(Object.entries(rt.step.outputs ?? {}).map(([name, path]) => [name, valueAt(outcome.result, path)]));
      const finishedAt = new Date().toISOString();
      const actualMs = Date.parse(finishedAt) - Date.parse(rt.state.startedAt ?? finishedAt);
      rt.doneOrder = ++this.completions;
      this.setStep(rt, { status: 'succeeded', finishedAt, actualMs, outputs, error: undefined });
      this.timeline.emit('step.succeeded', { stepId: rt.step.id, attempt: rt.state.attempts, detail: { durationMs: actualMs, outputs } });
      if (this.run.runbook.recovery?.endsAt === rt.step.id) this.recoveryAchieved();
    }
  }

  /** Applies the step's onFailure; 'again' means an operator asked for another round of attempts. */
  private async onFailure(rt: StepRuntime, message: string): Promise<'stop' | 'again'> {
    const { step } = rt;
    this.setStep(rt, { status: 'failed', finishedAt: new Date().toISOString(), error: message });
    this.notifier.notify('step.failed', { step, detail: { error: message, attempts: rt.state.attempts } });
    if (step.onFailure === 'continue') return 'stop';
    if (step.onFailure === 'abort' || step.onFailure === 'rollback') {
      this.stopRun({ status: 'failed', reason: `step ${step.id} failed: ${message}`, actor: 'lifeboat', rollback: step.onFailure === 'rollback' });
      return 'stop';
    }
    // ask: wait for an operator's decision.
    rt.decision = undefined;
    rt.waitingSince = new Date().toISOString();
    this.setStep(rt, { awaitingDecision: true });
    this.timeline.emit('decision.needed', { stepId: step.id, detail: { error: message, options: ['retry', 'skip', 'abort'] } });
    this.notifier.notify('decision.needed', { step, detail: { error: message, options: ['retry', 'skip', 'abort'] } });
    await condition(() => rt.decision !== undefined || this.halt !== undefined);
    this.setStep(rt, { awaitingDecision: undefined });
    if (rt.decision === 'retry') return 'again';
    if (rt.decision === 'skip') {
      this.skip(rt, rt.decisionReason ?? 'skipped by an operator', 'operator');
      return 'stop';
    }
    if (rt.decision === 'abort' && !this.halt) this.stopRun({ status: 'aborted', reason: `step ${step.id} failed and the operator aborted the run`, actor: 'operator', rollback: false });
    return 'stop';
  }

  /** Hands the run to a fresh workflow run with the same id, carrying every step's state (plain JSON). */
  private async continueAsNew(): Promise<never> {
    await this.recorded;
    await this.notifier.settled();
    await this.timeline.close();
    await condition(allHandlersFinished);
    const resume: ResumeState = {
      steps: [...this.steps.values()].map((rt) => ({ ...rt.state, doneOrder: rt.doneOrder })),
      timelineSeq: this.timeline.lastSeq,
      startedAt: this.startedAt,
      clockStart: this.clockStart,
      achievedMs: this.achievedMs,
      paused: this.paused,
      pausedSince: this.pausedSince,
      completions: this.completions,
      notifications: this.notifier.sent,
      continued: this.continued + 1,
    };
    const { runId, runbook, version, hash, mode, parameters, requester, trigger, declaredAt } = this.run;
    return continueAsNew<(input: PinnedRun) => Promise<RunState>>({ runId, runbook, version, hash, mode, parameters, requester, trigger, declaredAt, resume });
  }

  /** Stops scheduling and cancels running steps; the first reason wins. */
  stopRun(halt: Halt): void {
    if (this.halt) return;
    this.halt = halt;
    for (const rt of this.steps.values()) rt.scope?.cancel();
    this.changed();
  }

  private recoveryAchieved(): void {
    if (this.achievedMs !== undefined) return;
    this.achievedMs = Date.now() - this.clockStart;
    const targetMs = this.targetMs;
    this.timeline.emit('recovery.achieved', { detail: { achievedMs: this.achievedMs, targetMs, breached: targetMs !== undefined && this.achievedMs > targetMs } });
  }

  private async finish(): Promise<RunState> {
    for (const rt of this.steps.values()) {
      if (rt.state.status === 'pending') this.setStep(rt, { status: 'cancelled', reason: this.halt ? `not started: ${this.halt.reason}` : 'not started: a step it needs did not succeed' });
    }
    if (this.halt?.rollback) await rollBack(this, `rollback after: ${this.halt.reason}`);
    else if (!this.halt && this.run.mode === 'drill') await rollBack(this, 'drill cleanup');
    const status: RunPhase = this.halt ? this.halt.status : 'completed';
    if (status === 'completed') this.recoveryAchieved();
    this.status = status;
    this.finishedAt = new Date().toISOString();
    upsertSearchAttributes({ [SEARCH_ATTRIBUTES.status]: [status] });
    const state = this.snapshot();
    const type = status === 'completed' ? 'run.completed' : status === 'aborted' ? 'run.aborted' : 'run.failed';
    this.timeline.emit(type, { actor: this.halt?.actor ?? 'lifeboat', detail: { error: this.halt?.reason, recovery: state.recovery } });
    this.notifier.notify(status === 'completed' ? 'run.completed' : 'run.failed', { detail: { status, error: this.halt?.reason, recovery: state.recovery } });
    await this.notifier.settled();
    await this.timeline.close();
    await this.recorded;
    await recordRun(this.record());
    return state;
  }

  /** The durable run summary, as of now. */
  record(): RunRecord {
    const { run } = this;
    const s = this.snapshot();
    return {
      runId: run.runId,
      runbookId: run.runbook.id,
      version: run.version,
      hash: run.hash,
      title: run.runbook.title,
      mode: run.mode,
      status: this.status === 'completed' || this.status === 'failed' || this.status === 'aborted' ? this.status : 'running',
      requester: run.requester,
      trigger: run.trigger,
      parameters: run.parameters,
      startedAt: this.startedAt,
      declaredAt: run.declaredAt,
      finishedAt: this.finishedAt,
      error: this.halt?.reason,
      recovery: { targetMs: s.recovery.targetMs, achievedMs: s.recovery.achievedMs, breached: s.recovery.breached, endsAt: s.recovery.endsAt },
    };
  }
}
