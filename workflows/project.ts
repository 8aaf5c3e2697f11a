// Pure functions of the run's state: what is ready to start, what the query answers, what the run waits for, the
// recovery clock and the run record. No Temporal calls and no clock of their own (`nowMs` is passed in), so they
// are unit-tested without a server and give the same answer on replay.
import { actionOf } from '../actions';
import type { StepSlot } from '../actions/kit';
import { parseDuration } from '../model/duration';
import type { ReferenceContext } from '../model/reference';
import type { Step } from '../model/runbook';
import type { PinnedRun, RecoveryClock, ResumeState, RunRecord, RunState, WaitingFor } from '../contract/run';
import { ENDED as FINAL, type EngineState } from './state';

/**
 * Whether a step that ended this way lets the steps that need it go on. A failed approval (rejected, expired with
 * onTimeout: fail) never does: onFailure: continue lets the rest of the run go on, not the steps the approval gates.
 * Nor does a failed `runbook` step whose sub-runbook has approvals: its child may have been aborted before them.
 */
function letsDependentsGo(step: Step, slot: StepSlot, strictGates: boolean): boolean {
  const s = slot.state.status;
  if (s === 'failed' && strictGates && (step.action === 'approval' || (slot.gate?.approvers.length ?? 0) > 0)) return false;
  return s === 'succeeded' || s === 'skipped' || s === 'simulated' || (s === 'failed' && step.onFailure === 'continue' && !slot.state.awaitingDecision);
}

/**
 * Pending steps whose needs have all ended in a way that lets dependents go on, in runbook order. `pending` (the
 * RunStore's index of pending step ids) spares looking at every step of a wide runbook on every change.
 */
export function readySteps(run: PinnedRun, state: Readonly<EngineState>, pending?: ReadonlySet<string>): Step[] {
  const candidates = pending ? inRunbookOrder(run, pending) : run.runbook.steps;
  return candidates.filter((step) => isReady(run, state, step));
}

/** Whether the step is pending and every step it needs has ended in a way that lets it go on. */
export function isReady(run: PinnedRun, state: Readonly<EngineState>, step: Step): boolean {
  if (state.steps[step.id]?.state.status !== 'pending') return false;
  const byId = stepsById(run);
  return (step.needs ?? []).every((id) => letsDependentsGo(byId.get(id)!, state.steps[id]!, state.strictGates === true));
}

// Built once per runbook and shared by the engine and its message handlers (the runbook never changes in a run).
const byIdCache = new WeakMap<PinnedRun['runbook'], Map<string, Step>>();

/** The run's steps by id. */
export function stepsById(run: PinnedRun): ReadonlyMap<string, Step> {
  let m = byIdCache.get(run.runbook);
  if (!m) byIdCache.set(run.runbook, (m = new Map(run.runbook.steps.map((s) => [s.id, s]))));
  return m;
}

const indexCache = new WeakMap<PinnedRun['runbook'], Map<string, number>>();

/** The steps named by `ids`, in runbook order (the order steps start in, which replay depends on). */
function inRunbookOrder(run: PinnedRun, ids: ReadonlySet<string>): Step[] {
  let index = indexCache.get(run.runbook);
  if (!index) indexCache.set(run.runbook, (index = new Map(run.runbook.steps.map((s, i) => [s.id, i]))));
  const byId = stepsById(run);
  const at = index;
  return [...ids].sort((a, b) => at.get(a)! - at.get(b)!).map((id) => byId.get(id)!);
}

/** The RTO target of the run's runbook, in ms. */
export function targetMs(run: PinnedRun): number | undefined {
  return run.runbook.objectives?.rto ? parseDuration(run.runbook.objectives.rto) : undefined;
}

/** The recovery clock: elapsed since the incident (or start), against the RTO, frozen once recovery is achieved. */
export function recoveryClock(run: PinnedRun, state: Readonly<EngineState>, nowMs: number): RecoveryClock {
  const elapsedMs = (state.finishedAt ? Date.parse(state.finishedAt) : nowMs) - state.clockStart;
  const target = targetMs(run);
  const achieved = state.achievedMs;
  return {
    startedAt: new Date(state.clockStart).toISOString(),
    endsAt: run.runbook.recovery?.endsAt,
    targetMs: target,
    elapsedMs: achieved ?? elapsedMs,
    remainingMs: target === undefined || achieved !== undefined ? undefined : Math.max(target - elapsedMs, 0),
    achievedMs: achieved,
    breached: target !== undefined && (achieved ?? elapsedMs) > target,
  };
}

/** What the run cannot go on without: an operator's resume, a decision, or people on a waiting step. */
export function waitingFor(run: PinnedRun, state: Readonly<EngineState>): WaitingFor[] {
  const out: WaitingFor[] = [];
  if (state.paused && state.status === 'running') {
    out.push({ kind: 'resume', from: ['operator'], message: 'the run is paused: no new step starts until an operator resumes it', since: state.pausedSince ?? state.startedAt });
  }
  for (const step of run.runbook.steps) {
    const slot = state.steps[step.id]!;
    const since = slot.waitingSince ?? state.startedAt;
    if (slot.state.awaitingDecision) {
      out.push({ stepId: step.id, kind: 'decision', from: ['operator'], message: `step ${step.id} failed (${slot.state.error ?? 'error'}): decide retry, skip or abort`, since });
      continue;
    }
    const waiting = actionOf(step.action).waitingFor?.(step, slot, since);
    if (waiting) out.push(waiting);
  }
  return out;
}

/** The live state the query and every accepted update answer with. */
export function snapshot(run: PinnedRun, state: Readonly<EngineState>, nowMs: number): RunState {
  return {
    runId: run.runId,
    runbookId: run.runbook.id,
    version: run.version,
    hash: run.hash,
    mode: run.mode,
    status: state.status === 'running' && state.paused ? 'paused' : state.status,
    startedAt: state.startedAt,
    finishedAt: state.finishedAt,
    error: state.halt?.reason,
    steps: state.order.map((id) => state.steps[id]!.state),
    waitingFor: waitingFor(run, state),
    recovery: recoveryClock(run, state, nowMs),
  };
}

/** The durable run summary, as of now. */
export function runRecord(run: PinnedRun, state: Readonly<EngineState>, nowMs: number): RunRecord {
  const r = recoveryClock(run, state, nowMs);
  return {
    runId: run.runId,
    runbookId: run.runbook.id,
    version: run.version,
    hash: run.hash,
    title: run.runbook.title,
    mode: run.mode,
    status: state.status,
    requester: run.requester,
    trigger: run.trigger,
    parameters: run.parameters,
    startedAt: state.startedAt,
    declaredAt: run.declaredAt,
    finishedAt: state.finishedAt,
    error: state.halt?.reason,
    recovery: { targetMs: r.targetMs, achievedMs: r.achievedMs, breached: r.breached, endsAt: r.endsAt },
  };
}

/** What `{{ … }}` in a step can see: the parameters, finished steps' status and outputs, and the run. */
export function templateContext(run: PinnedRun, state: Readonly<EngineState>): ReferenceContext {
  const steps: Record<string, { status: string; outputs: Record<string, unknown> }> = {};
  for (const id of state.order) {
    const { status, outputs } = state.steps[id]!.state;
    if (FINAL.has(status)) steps[id] = { status, outputs: outputs ?? {} };
  }
  return { params: run.parameters, steps, run: { id: run.runId, mode: run.mode, requester: run.requester } };
}

/**
 * What continue-as-new carries to the next workflow run (the format of runs already in flight: keep it). `compact`
 * (PATCH.bufferedSteps) leaves out what the next run takes from its runbook (initialState): each step's title and
 * expected duration, and the steps not touched yet, so a 5,000-step run carries only what its steps did.
 */
export function resumeState(state: Readonly<EngineState>, counters: { timelineSeq: number; notifications: number }, compact = false): ResumeState {
  const carried = compact ? state.order.filter((id) => !untouched(state.steps[id]!)) : state.order;
  return {
    steps: carried.map((id) => {
      const { state: step, doneOrder } = state.steps[id]!;
      if (!compact) return { ...step, doneOrder };
      const { title: _title, expectedMs: _expectedMs, ...own } = step;
      return { ...own, doneOrder };
    }),
    timelineSeq: counters.timelineSeq,
    startedAt: state.startedAt,
    clockStart: state.clockStart,
    achievedMs: state.achievedMs,
    paused: state.paused,
    pausedSince: state.pausedSince,
    completions: state.completions,
    notifications: counters.notifications,
    continued: state.continued + 1,
    ...(Object.keys(state.nonces).length > 0 ? { nonces: { ...state.nonces } } : {}),
  };
}

/** A step as the run started it: initialState() builds the same from the runbook, so a compact resume leaves it out. */
function untouched(slot: StepSlot): boolean {
  const { id: _id, title: _title, action: _action, expectedMs: _expectedMs, status, attempts, ...rest } = slot.state;
  return slot.doneOrder === undefined && status === 'pending' && attempts === 0 && Object.values(rest).every((v) => v === undefined);
}
