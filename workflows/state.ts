// The run's state and its one writer. Plain JSON (what continue-as-new carries); every change goes through a method
// here, and every method bumps `version`, which is what the scheduler waits on — no caller can forget to wake it.
import type { StepSlot } from '../actions/kit';
import type { ResumeState, StepState } from '../contract/run';

/** Why the run stopped early: a failed step (abort or rollback) or an operator's abort. */
export interface Halt {
  status: 'failed' | 'aborted';
  reason: string;
  actor: string;
  rollback: boolean;
}

/** Everything the run knows, as plain data. Steps are keyed by id and kept in runbook order. */
export interface EngineState {
  steps: Record<string, StepSlot>;
  order: string[];
  /** `running` until finish() settles the outcome. */
  status: 'running' | 'completed' | 'failed' | 'aborted';
  paused: boolean;
  pausedSince?: string;
  halt?: Halt;
  startedAt: string;
  /** When the recovery clock started (the declared incident time, or the start), in ms since the epoch. */
  clockStart: number;
  achievedMs?: number;
  finishedAt?: string;
  /** How many steps have succeeded so far (their doneOrder). */
  completions: number;
  continued: number;
  /** Nonces of the signed updates this run took, with when each was issued (ms); older than the window are dropped. */
  nonces: Record<string, number>;
  /** A failed approval never lets the steps that need it go, whatever its onFailure (runs started before this rule: off). */
  strictGates?: boolean;
}

/** A change to one step: its slot's fields, and a partial StepState merged into the current one. */
export type SlotPatch = Partial<Omit<StepSlot, 'state'>> & { state?: Partial<StepState> };

/** A change to the run itself (step changes go through patchStep, halts through stop). */
export type RunPatch = Partial<Pick<EngineState, 'status' | 'paused' | 'pausedSince' | 'achievedMs' | 'finishedAt' | 'completions' | 'strictGates'>>;

/** The statuses a step ends in (until an operator's retry starts it again). */
export const ENDED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'simulated', 'cancelled']);

export class RunStore {
  private changes = 0;
  private ends = 0;
  // The steps changed since takeChanged() was last called ('all' at first, and when a change concerns every step).
  private changed: Set<string> | 'all' = 'all';
  // Kept as steps change, so the scheduler looks only at steps not yet started, not at the whole runbook.
  private readonly notStarted: Set<string>;
  // What `{{ steps.* }}` sees (the ended steps' status and outputs), kept as steps change, so rendering a step's
  // templates needs no pass over every step.
  private readonly endedSteps: Record<string, { status: string; outputs: Record<string, unknown> }> = {};
  constructor(private readonly s: EngineState) {
    this.notStarted = new Set(s.order.filter((id) => s.steps[id]!.state.status === 'pending'));
    for (const id of s.order) this.noteEnded(id);
  }

  /** The ended steps' status and outputs by id, as templates see them (templateContext in project.ts, kept up to date). */
  get ended(): Readonly<Record<string, { status: string; outputs: Readonly<Record<string, unknown>> }>> {
    return this.endedSteps;
  }

  private noteEnded(id: string): void {
    const { status, outputs } = this.s.steps[id]!.state;
    if (ENDED.has(status)) this.endedSteps[id] = { status, outputs: outputs ?? {} };
    else delete this.endedSteps[id];
  }

  /** The state as of now. Read only: change it with the methods below. */
  get state(): Readonly<EngineState> {
    return this.s;
  }

  /** Increases with every change; the scheduler waits for it to move. */
  get version(): number {
    return this.changes;
  }

  /** Increases whenever a step ends, or an ended step changes or starts again: all that `{{ steps.* }}` sees. */
  get endedVersion(): number {
    return this.ends;
  }

  /** The ids of the pending steps, in no particular order. */
  get pending(): ReadonlySet<string> {
    return this.notStarted;
  }

  /** The ids of the steps changed since the last call, or 'all' (the first call, or since strictGates changed). */
  takeChanged(): ReadonlySet<string> | 'all' {
    const changed = this.changed;
    this.changed = new Set();
    return changed;
  }

  slot(id: string): Readonly<StepSlot> | undefined {
    return this.s.steps[id];
  }

  patchStep(id: string, patch: SlotPatch): void {
    const slot = this.s.steps[id];
    if (!slot) throw new Error(`no step ${id} in this run`);
    const { state, ...rest } = patch;
    Object.assign(slot, rest);
    if (this.changed !== 'all') this.changed.add(id);
    if (state) {
      const before = slot.state.status;
      Object.assign(slot.state, state);
      const after = slot.state.status;
      if (after === 'pending') this.notStarted.add(id);
      else this.notStarted.delete(id);
      if (ENDED.has(before) || ENDED.has(after)) {
        this.ends++;
        this.noteEnded(id);
      }
    }
    this.changes++;
  }

  /** Notes a change to a step outside its slot (its run ended): the scheduler looks at it again. */
  touch(id: string): void {
    if (this.changed !== 'all') this.changed.add(id);
    this.changes++;
  }

  patchRun(patch: RunPatch): void {
    Object.assign(this.s, patch);
    if ('strictGates' in patch) this.changed = 'all';
    this.changes++;
  }

  /** Records a signed update's nonce; answers false when it was seen before (a replay). */
  useNonce(nonce: string, issuedMs: number, nowMs: number, windowMs: number): boolean {
    if (Object.prototype.hasOwnProperty.call(this.s.nonces, nonce)) return false;
    for (const [seen, at] of Object.entries(this.s.nonces)) if (at < nowMs - 2 * windowMs) delete this.s.nonces[seen];
    this.s.nonces[nonce] = issuedMs;
    this.changes++;
    return true;
  }

  /** Records why the run stops; the first reason wins. Answers whether this call was the first. */
  stop(halt: Halt): boolean {
    if (this.s.halt) return false;
    this.s.halt = halt;
    this.changes++;
    return true;
  }
}

/** The state a run starts from: fresh, or where the previous workflow run of a continued-as-new run left off. */
export function initialState(
  steps: Array<{ id: string; title?: string; action: string; expectedMs?: number }>,
  startedAt: string,
  clockStart: number,
  resume?: ResumeState,
): EngineState {
  const resumed = new Map((resume?.steps ?? []).map((s) => [s.id, s]));
  const slots: Record<string, StepSlot> = {};
  for (const step of steps) {
    // A compact resume (resumeState) leaves out what the runbook says (title, action, expected) and untouched steps.
    const { doneOrder, ...state } = {
      id: step.id,
      title: step.title,
      action: step.action,
      status: 'pending' as const,
      attempts: 0,
      expectedMs: step.expectedMs,
      ...resumed.get(step.id),
    };
    slots[step.id] = { state, doneOrder };
  }
  return {
    steps: slots,
    order: steps.map((s) => s.id),
    status: 'running',
    paused: resume?.paused ?? false,
    pausedSince: resume?.pausedSince,
    startedAt: resume?.startedAt ?? startedAt,
    clockStart: resume?.clockStart ?? clockStart,
    achievedMs: resume?.achievedMs,
    completions: resume?.completions ?? 0,
    continued: resume?.continued ?? 0,
    nonces: { ...resume?.nonces },
  };
}
