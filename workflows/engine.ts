import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CarriedAnswer, CarriedRecords } from '../activities/carried';
import type { ActionContext, Outcome } from '../actions/kit';
import { PATCH, SEARCH_ATTRIBUTE } from '../contract/names';
import { evaluateCondition, parseCondition } from '../model/condition';
import { drillBehaviour } from '../model/drill';
import { parseDuration } from '../model/duration';
import type { ReferenceContext } from '../model/reference';
import type { Step } from '../model/runbook';
import { continuationInput } from '../contract/continuation';
import type { PinnedRun, RunInput, RunRecord, RunState } from '../contract/run';
import { outputsOf } from '../runs/outputs';
import { beginAttempts, runAttempts } from './execute';
import { Notifier } from './notifications';
import { OutputBudget } from './outputs';
import { resumeState, runRecord, snapshot, stepsById, targetMs } from './project';
import { rollBack } from './rollback';
import type { Patches } from './patches';
import { Readiness } from './readiness';
import { StepSlots } from './slots';
import { initialState, RunStore, type EngineState, type Halt, type SlotPatch } from './state';
import { TimelineWriter } from './timeline';

const { recordRun } = proxyActivities<Activities>({
  // A write is a few point operations, bounded by the store's own timeouts (store/connection.ts): a worker that
  // died mid-write is noticed after 30 s and the write retried.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

// The final run record as a local activity (PATCH.localRecords; why, and why a repeat is harmless: workflows/timeline.ts).
// saveRun is idempotent and fenced: a "running" record never replaces a final one. The first record stays a normal
// activity, written while the first steps run.
const { recordRun: recordRunHere } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const { signContinuation } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 10 } });

// Temporal refuses a workflow task that leaves more than 2,000 activities pending (limit.numPendingActivities.error):
// a wider run starts its steps in runbook order as running ones end, with room left for flushes and notifications.
const MAX_RUNNING_STEPS = 1000;
// Since PATCH.carriedRecords, 300: a workflow task takes in the steps that ended since the last one, and with 1,000
// running, one task could hold a thousand completions (9 s on a loaded 2-core machine, past the 10 s timeout).
const MAX_RUNNING_STEPS_CARRIED = 300;

// Since PATCH.bufferedSteps: workflows/slots.ts.

// A run of more steps answers its result without them (PATCH.bufferedSteps): 5,000 step states are about 1 MB, half
// of Temporal's 2 MB payload limit. Their final states are in the store (GET /runs/:id), the events on the timeline.
const RESULT_STEPS = 1000;

// Continue-as-new well before Temporal's history limits; the server also suggests it when history grows large.
const HISTORY_EVENTS_LIMIT = 8000;

/**
 * Runs one pinned runbook version: walks the step DAG, starting every step whose needs are met (in parallel), and
 * records every transition on the timeline. The run's state lives in one RunStore (plain data, one writer); this
 * class schedules, applies each step's outcome and the failure policy, and finishes or continues the run.
 */
export class RunEngine {
  readonly store: RunStore;
  readonly timeline: TimelineWriter;
  readonly notifier: Notifier;
  readonly stepsById: ReadonlyMap<string, Step>;
  private readonly readiness: Readiness;
  private readonly scopes = new Map<string, CancellationScope>();
  /**
   * Since PATCH.leanSteps, in place of a scope per step: the one scope every step runs in, which stopRun cancels (no
   * step is cancelled alone: a skip or decision reaches a waiting step through its slot). Each pass dispatches its
   * steps inside it; their promise chains stay in it.
   */
  private readonly stepScope?: CancellationScope;
  private recorded: Promise<void> = Promise.resolve();
  private readonly recordFinal: typeof recordRun;
  private readonly maxRunning: number;
  /** Since PATCH.bufferedSteps, in place of maxRunning. */
  private readonly slots?: StepSlots;
  /** Since PATCH.boundedPayloads. */
  private readonly outputs?: OutputBudget;
  private context?: ReferenceContext;
  /** Step activities carry the run's unwritten records (PATCH.carriedRecords; see carry()). */
  private readonly carrying: boolean;
  /** While schedule() runs: the store version its pass has taken in and waits past (undefined while it works). */
  private scheduling = false;
  private parked?: number;
  /** The run's first record until a step's activity takes it or the first pass writes it (PATCH.carriedRecords). */
  private unrecorded?: RunRecord;
  private firstRecord?: RunRecord;
  private recordDone?: (written?: Promise<void>) => void;

  constructor(
    readonly run: PinnedRun,
    readonly has: Patches = patched,
  ) {
    const startedAt = new Date().toISOString();
    const steps = run.runbook.steps.map((s) => ({ id: s.id, title: s.title, action: s.action, expectedMs: s.expected ? parseDuration(s.expected) : undefined }));
    this.store = new RunStore(initialState(steps, startedAt, Date.parse(run.declaredAt ?? run.resume?.startedAt ?? startedAt), run.resume));
    this.stepsById = stepsById(run);
    this.readiness = new Readiness(run, this.store);
    const local = has(PATCH.localRecords);
    this.recordFinal = local ? recordRunHere : recordRun;
    this.carrying = has(PATCH.carriedRecords);
    this.maxRunning = this.carrying ? MAX_RUNNING_STEPS_CARRIED : has(PATCH.boundedSteps) ? MAX_RUNNING_STEPS : Infinity;
    if (has(PATCH.bufferedSteps)) this.slots = new StepSlots();
    if (has(PATCH.leanSteps)) this.stepScope = new CancellationScope();
    if (has(PATCH.boundedPayloads)) this.outputs = new OutputBudget(this.store);
    this.timeline = new TimelineWriter(run.runId, run.resume?.timelineSeq ?? 0, local, has(PATCH.flushWhenCancelled), this.carrying ? { quiet: () => this.quiet() } : undefined);
    this.notifier = new Notifier(run, this.timeline, () => this.templateContext(), run.resume?.notifications ?? 0, this.carrying);
  }

  /**
   * Nothing is about to start a step: the scheduler waits, having taken in every change so far (or is not
   * scheduling). The timeline writer flushes only then, so the events of a step that just ended go with the next
   * step's activity instead of a flush of their own.
   */
  private quiet(): boolean {
    return !this.scheduling || this.parked === this.store.version;
  }

  /**
   * What a starting step's activity stores beside its work (PATCH.carriedRecords): the timeline events not yet
   * written (when no other write is in flight) and the run's first record. Both writes are idempotent and fenced, so
   * a re-dispatch repeats them harmlessly; what the activity did not store, the workflow writes itself (landed).
   */
  private carry(): CarriedRecords | undefined {
    if (!this.carrying) return undefined;
    const timeline = this.timeline.carry();
    const record = this.unrecorded;
    this.unrecorded = undefined;
    if (!timeline && !record) return undefined;
    return { runId: this.run.runId, ...timeline, ...(record ? { record } : {}) };
  }

  private landed(records: CarriedRecords, answer: CarriedAnswer | undefined): void {
    if (records.events) this.timeline.landed(answer);
    if (records.record !== undefined) {
      if (answer?.record) this.recordDone?.();
      else this.writeRecord(this.runRecordAtStart());
    }
  }

  /** The first record, written by its own activity (not cancellable: a step's abort must not swallow it). */
  private writeRecord(record: RunRecord): void {
    this.recordDone?.(CancellationScope.nonCancellable(() => recordRun(record)));
  }

  /** No step's activity took the run's first record (the first pass started none that carries): it gets its own write. */
  private recordUntaken(): void {
    if (!this.unrecorded) return;
    this.writeRecord(this.unrecorded);
    this.unrecorded = undefined;
  }

  private runRecordAtStart(): RunRecord {
    return (this.firstRecord ??= runRecord(this.run, this.store.state, Date.now()));
  }

  /** Why the step may not keep the outputs it names of this result (PATCH.boundedPayloads: workflows/outputs.ts). */
  get boundsPayloads(): boolean {
    return this.outputs !== undefined;
  }

  outputsRefused(step: Step, result: unknown): string | undefined {
    return this.outputs?.refused(step, result);
  }

  /** The live state the query and every accepted update answer with. */
  snapshot(): RunState {
    return snapshot(this.run, this.store.state, Date.now());
  }

  /** What templates see: the store keeps the ended steps' part as steps change (templateContext in project.ts builds the same). */
  templateContext(): ReferenceContext {
    const { run } = this;
    return (this.context ??= { params: run.parameters, steps: this.store.ended, run: { id: run.runId, mode: run.mode, requester: run.requester } });
  }

  /** Stops scheduling and cancels running steps; the first reason wins. */
  stopRun(halt: Halt): void {
    if (!this.store.stop(halt)) return;
    for (const scope of this.scopes.values()) scope.cancel();
    this.stepScope?.cancel();
  }

  skip(stepId: string, reason: string, actor: string, detail: Record<string, unknown> = {}): void {
    this.store.patchStep(stepId, { state: { status: 'skipped', reason, awaitingDecision: undefined, finishedAt: new Date().toISOString() } });
    this.timeline.emit('step.skipped', { stepId, actor, detail: { ...detail, reason } });
  }

  /** The narrow view one attempt of one step gets of the run. */
  contextFor(step: { id: string; title?: string }, attempt: number, timeoutMs: number, key: string): ActionContext {
    return {
      run: this.run,
      attempt,
      key,
      timeoutMs,
      slot: () => this.store.slot(step.id)!,
      patch: (patch: SlotPatch) => this.store.patchStep(step.id, patch),
      emit: (type, fields) => this.timeline.emit(type, fields),
      notify: (event, request = {}) => this.notifier.notify(event, { step, ...request }),
      until: (done, ms) => (ms === undefined ? condition(done).then(() => true) : condition(done, ms)),
      carry: () => this.carry(),
      landed: (records, answer) => this.landed(records, answer),
    };
  }

  /** Runs the whole runbook; resolves with the final state (a failed run is a status, not an exception). */
  async execute(): Promise<RunState> {
    const { run } = this;
    if (run.resume) {
      this.timeline.emit('run.continued', { detail: { continued: this.store.state.continued } });
    } else {
      this.timeline.emit('run.started', {
        actor: run.requester,
        detail: { runbook: run.runbook.id, version: run.version, hash: run.hash, mode: run.mode, trigger: run.trigger, parameters: run.parameters, declaredAt: run.declaredAt },
      });
      this.notifier.notify('run.started', { detail: { trigger: run.trigger, parameters: run.parameters } });
      // The first steps need not wait for the run's record; finish() awaits it before writing the final one.
      if (this.carrying) {
        // The first step's activity stores it (carry), else the first pass writes it (schedule).
        this.unrecorded = this.runRecordAtStart();
        this.recorded = new Promise((resolve) => (this.recordDone = resolve));
      } else {
        this.recorded = CancellationScope.nonCancellable(() => recordRun(runRecord(this.run, this.store.state, Date.now())));
      }
    }
    const running = new Map<string, Promise<void> | undefined>();
    try {
      if ((await this.schedule(running)) === 'continue') return await this.continueAsNew();
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // The workflow itself was cancelled (by a parent run or `temporal workflow cancel`): an abort.
      const reason = run.trigger.kind === 'parent' ? `the run was cancelled: its parent run ${run.trigger.by} stopped` : 'the run was cancelled';
      this.stopRun({ status: 'aborted', reason, actor: 'temporal', rollback: false });
    }
    return CancellationScope.nonCancellable(async () => {
      await Promise.all(running.values());
      return this.finish();
    });
  }

  private async schedule(running: Map<string, Promise<void> | undefined>): Promise<'done' | 'continue'> {
    this.scheduling = true;
    try {
      const scope = this.stepScope;
      return await this.schedulePasses(running, scope ? () => this.passLean(running, scope) : () => this.passByStep(running));
    } finally {
      this.scheduling = false;
      this.slots?.close();
    }
  }

  /**
   * The scheduler's loop: a pass starts what may start, then the loop waits on `condition()` for the run to change.
   * A long run drains (starts nothing new) once history is large, then continues as a new workflow run. Paused with
   * steps ready to start, it waits for resume; nothing running and nothing startable ends it. The pass is synchronous:
   * the loop's only await is the condition, so both passes order their commands as they always did.
   */
  private async schedulePasses(running: Map<string, Promise<void> | undefined>, pass: () => void): Promise<'done' | 'continue'> {
    for (;;) {
      const { halt, paused } = this.store.state;
      const draining = workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (this.run.limits?.historyEvents ?? HISTORY_EVENTS_LIMIT);
      this.readiness.refresh();
      if (draining && running.size === 0 && !halt && this.readiness.size > 0) return 'continue';
      if (!halt && !paused && !draining) pass();
      this.recordUntaken();
      if (running.size === 0 && (this.store.state.halt || (this.readiness.refresh(), this.readiness.size === 0))) return 'done';
      const seen = this.store.version;
      const wakes = this.slots?.wakes;
      this.parked = seen;
      await condition(() => this.store.version !== seen || this.slots?.wakes !== wakes);
      this.parked = undefined;
    }
  }

  /** A pass before PATCH.leanSteps: each step in a scope of its own, started as it is taken. */
  private passByStep(running: Map<string, Promise<void> | undefined>): void {
    const begin = (step: Step) => {
      const scope = new CancellationScope();
      this.scopes.set(step.id, scope);
      running.set(
        step.id,
        scope
          .run(() => this.runStep(step))
          .finally(() => {
            running.delete(step.id);
            this.scopes.delete(step.id);
            this.slots?.ended();
            // Its step is looked at again: one that became pending while its run was ending may start now.
            this.store.touch(step.id);
          }),
      );
    };
    let started = 0;
    let blocked = false;
    const room = () => {
      const ok = this.slots ? this.slots.room(running.size, started) : running.size < this.maxRunning;
      if (!ok) blocked = true;
      return ok;
    };
    this.readiness.take(
      room,
      (id) => running.has(id),
      (step) => (started++, begin(step)),
    );
    if (blocked) this.slots?.waiting();
  }

  /**
   * A pass since PATCH.leanSteps. The steps a pass starts are first all marked started, then dispatched in
   * the same order inside the steps' scope, so the first one's activity carries every event of the pass. The pass
   * loop still waits on `condition()`, so a pass runs after every job of the activation has been taken in: a pass woken in
   * the middle of them (tried: a promise the run's changes resolve) ordered its commands around an update's answer
   * differently on replay. Waves are counted per workflow task (StepSlots.startedThisTask).
   */
  private passLean(running: Map<string, Promise<void> | undefined>, scope: CancellationScope): void {
    const slots = this.slots!;
    const launches: Array<() => void> = [];
    let blocked = false;
    const room = () => {
      const ok = slots.room(running.size, slots.startedThisTask());
      if (!ok) blocked = true;
      return ok;
    };
    this.readiness.take(
      room,
      (id) => running.has(id),
      (step) => {
        slots.started();
        const launch = this.beginLean(step, running);
        if (launch) launches.push(launch);
      },
    );
    if (launches.length > 0)
      void scope.run(() => {
        for (const launch of launches) launch();
        return Promise.resolve();
      });
    if (blocked) slots.waiting();
  }

  /**
   * Starts a step (PATCH.leanSteps): answers its launch, or nothing when it ended at once (skipped, simulated). Its
   * slot is freed in the same callback that ends it.
   */
  private beginLean(step: Step, running: Map<string, Promise<void> | undefined>): (() => void) | undefined {
    const end = () => {
      running.delete(step.id);
      this.slots!.ended();
      this.store.touch(step.id);
    };
    if (this.endsUnrun(step)) {
      // Freed after the pass, as before: its end is a change the scheduler then looks at.
      running.set(step.id, Promise.resolve().then(end));
      return undefined;
    }
    const { launch, bytes } = beginAttempts(this, step);
    this.slots!.requested(bytes);
    running.set(step.id, undefined);
    return () => void running.set(step.id, this.roundsLean(step, launch, end));
  }

  /** runStep's loop since PATCH.leanSteps: a round of attempts, then its outcome or the step's onFailure. */
  private roundsLean(step: Step, launch: () => Promise<Outcome>, end: () => void): Promise<void> {
    const failed = (err: unknown) => {
      end();
      throw err;
    };
    return launch().then((outcome) => {
      if (outcome.kind === 'failed')
        return this.onFailure(step, outcome.message).then((next) => (next === 'again' ? this.roundsLean(step, beginAttempts(this, step).launch, end) : end()), failed);
      try {
        this.settle(step, outcome);
      } finally {
        end();
      }
    }, failed);
  }

  /** Ends a step that does not run (its `when` is false, or a drill skips or simulates it); answers whether it did. */
  private endsUnrun(step: Step): boolean {
    const slot = this.store.slot(step.id)!;
    if (step.when && slot.state.attempts === 0) {
      const parsed = parseCondition(step.when);
      let holds = false;
      let error: string | undefined;
      try {
        holds = parsed.ok ? evaluateCondition(parsed.ast, this.templateContext()) : false;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      if (!holds) {
        this.skip(step.id, error ? `when could not be evaluated: ${error}` : `when is false: ${step.when}`, 'lifeboat', { reason: 'when', when: step.when, error });
        return true;
      }
    }
    const drill = drillBehaviour(step, this.run.mode);
    if (drill === 'skip') {
      this.skip(step.id, 'drill: skip', 'lifeboat', { reason: 'drill' });
      return true;
    }
    if (drill === 'simulate') {
      this.store.patchStep(step.id, { state: { status: 'simulated', reason: 'drill: simulate', finishedAt: new Date().toISOString() } });
      this.timeline.emit('step.simulated', { stepId: step.id, detail: { action: step.action } });
      return true;
    }
    return false;
  }

  private async runStep(step: Step): Promise<void> {
    if (this.endsUnrun(step)) return;
    for (;;) {
      const outcome = await runAttempts(this, step);
      if (outcome.kind !== 'failed') return this.settle(step, outcome);
      const next = await this.onFailure(step, outcome.message);
      if (next === 'stop') return;
    }
  }

  private settle(step: Step, outcome: Exclude<Outcome, { kind: 'failed' }>): void {
    const now = new Date().toISOString();
    if (outcome.kind === 'cancelled') {
      this.store.patchStep(step.id, { state: { status: 'cancelled', finishedAt: now, reason: this.store.state.halt?.reason ?? 'cancelled' } });
    } else if (outcome.kind === 'skipped') {
      this.skip(step.id, outcome.reason, outcome.actor, outcome.detail);
    } else if (outcome.kind === 'abort') {
      this.store.patchStep(step.id, { state: { status: 'failed', finishedAt: now, error: outcome.message } });
      this.stopRun({ status: 'failed', reason: `step ${step.id}: ${outcome.message}`, actor: 'lifeboat', rollback: false });
    } else {
      const outputs = outputsOf(step.outputs, outcome.result);
      const slot = this.store.slot(step.id)!;
      const actualMs = Date.parse(now) - Date.parse(slot.state.startedAt ?? now);
      const doneOrder = this.store.state.completions + 1;
      this.store.patchRun({ completions: doneOrder });
      this.store.patchStep(step.id, { doneOrder, state: { status: 'succeeded', finishedAt: now, actualMs, outputs, error: undefined } });
      this.timeline.emit('step.succeeded', { stepId: step.id, attempt: slot.state.attempts, detail: { durationMs: actualMs, outputs } });
      if (this.run.runbook.recovery?.endsAt === step.id) this.recoveryAchieved();
    }
  }

  /** Applies the step's onFailure; 'again' means an operator asked for another round of attempts. */
  private async onFailure(step: Step, message: string): Promise<'stop' | 'again'> {
    this.store.patchStep(step.id, { state: { status: 'failed', finishedAt: new Date().toISOString(), error: message } });
    this.notifier.notify('step.failed', { step, detail: { error: message, attempts: this.store.slot(step.id)!.state.attempts } });
    if (step.onFailure === 'continue') return 'stop';
    if (step.onFailure === 'abort' || step.onFailure === 'rollback') {
      this.stopRun({ status: 'failed', reason: `step ${step.id} failed: ${message}`, actor: 'lifeboat', rollback: step.onFailure === 'rollback' });
      return 'stop';
    }
    // ask: wait for an operator's decision.
    this.store.patchStep(step.id, { decision: undefined, waitingSince: new Date().toISOString(), state: { awaitingDecision: true } });
    this.timeline.emit('decision.needed', { stepId: step.id, detail: { error: message, options: ['retry', 'skip', 'abort'] } });
    this.notifier.notify('decision.needed', { step, detail: { error: message, options: ['retry', 'skip', 'abort'] } });
    try {
      await condition(() => this.store.slot(step.id)!.decision !== undefined || this.store.state.halt !== undefined);
    } catch (err) {
      // An abort (decide: abort, or the run's abort) cancels this step's scope while it waits: the halt says the rest.
      if (!isCancellation(err)) throw err;
    }
    this.store.patchStep(step.id, { state: { awaitingDecision: undefined } });
    const { decision, decisionReason } = this.store.slot(step.id)!;
    if (decision === 'retry') return 'again';
    if (decision === 'skip') {
      this.skip(step.id, decisionReason ?? 'skipped by an operator', 'operator');
      return 'stop';
    }
    if (decision === 'abort' && !this.store.state.halt)
      this.stopRun({ status: 'aborted', reason: `step ${step.id} failed and the operator aborted the run`, actor: 'operator', rollback: false });
    return 'stop';
  }

  /** Hands the run to a fresh workflow run with the same id, carrying every step's state (plain JSON) and its runbook's reference. */
  private async continueAsNew(): Promise<never> {
    this.recordUntaken();
    await this.recorded;
    await this.notifier.settled();
    await this.timeline.close();
    await condition(allHandlersFinished);
    const resume = resumeState(this.store.state, { timelineSeq: this.timeline.lastSeq, notifications: this.notifier.sent }, this.has(PATCH.bufferedSteps));
    // By reference: the next run's start check reads the definition from the registry (contract/continuation.ts).
    const next = continuationInput(this.run, resume);
    // The next run checks its input like any start: the worker vouches for what it hands over (activities/identity.ts).
    if (this.has(PATCH.signedContinuation)) next.proof = await signContinuation(next);
    return continueAsNew<(input: RunInput) => Promise<RunState>>(next);
  }

  private recoveryAchieved(): void {
    if (this.store.state.achievedMs !== undefined) return;
    const achievedMs = Date.now() - this.store.state.clockStart;
    this.store.patchRun({ achievedMs });
    const target = targetMs(this.run);
    this.timeline.emit('recovery.achieved', { detail: { achievedMs, targetMs: target, breached: target !== undefined && achievedMs > target } });
  }

  private async finish(): Promise<RunState> {
    const { halt } = this.store.state;
    for (const id of this.store.state.order) {
      if (this.store.slot(id)!.state.status === 'pending') {
        this.store.patchStep(id, { state: { status: 'cancelled', reason: halt ? `not started: ${halt.reason}` : 'not started: a step it needs did not succeed' } });
      }
    }
    if (halt?.rollback) await rollBack(this, `rollback after: ${halt.reason}`);
    else if (!halt && this.run.mode === 'drill') await rollBack(this, 'drill cleanup');
    const status = halt ? halt.status : 'completed';
    if (status === 'completed') this.recoveryAchieved();
    // The query keeps answering `running` until the final record and timeline are stored: a client that sees the
    // run ended can read its whole timeline and its final record (the store is where reports and lists read from).
    const final: EngineState = { ...this.store.state, status, finishedAt: new Date().toISOString() };
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE.status, value: status }]);
    const state = snapshot(this.run, final, Date.now());
    const type = status === 'completed' ? 'run.completed' : status === 'aborted' ? 'run.aborted' : 'run.failed';
    this.timeline.emit(type, { actor: halt?.actor ?? 'lifeboat', detail: { error: halt?.reason, recovery: state.recovery } });
    this.notifier.notify(status === 'completed' ? 'run.completed' : 'run.failed', { detail: { status, error: halt?.reason, recovery: state.recovery } });
    await this.notifier.settled();
    await this.timeline.close();
    this.recordUntaken();
    await this.recorded;
    // Since PATCH.bufferedSteps the final state is stored before the record says the run ended, so reading a finished
    // run asks Temporal nothing (store/final-states.ts), and the result of a wide run can leave its steps out.
    const keeps = this.has(PATCH.bufferedSteps);
    await this.recordFinal(runRecord(this.run, final, Date.now()), keeps ? state : undefined);
    this.store.patchRun({ status, finishedAt: final.finishedAt });
    // The signed final head goes into the workflow's result: Temporal keeps it apart from the database.
    if (keeps && state.steps.length > (this.run.limits?.resultSteps ?? RESULT_STEPS))
      return { ...state, steps: [], waitingFor: [], stepsLeftOut: state.steps.length, anchor: this.timeline.anchor };
    return { ...state, anchor: this.timeline.anchor };
  }
}
