// What every step action declares, and what the engine hands it. Workflow code: action modules are imported by the
// workflow bundle (for `run`) and by the language (for their schemas), so they import zod and Node only as types.
import type { output, ZodType } from 'zod';
import type { CarriedAnswer, CarriedRecords } from '../activities/carried';
import type { Dispatched } from '../activities/dispatch';
import type { StepState, WaitingFor } from '../contract/step';
import type { Event, Mode, SchemaKit } from '../model/kit';
import type { ReferenceContext } from '../model/reference';
import type { SecretSlot } from '../model/template';
import type { EventFields, TimelineEventType } from '../timeline/event';

/** What the language requires of a step of any action, as an action's `run` sees it. */
export interface ActionStep<W> {
  id: string;
  title?: string;
  timeout?: string;
  with: W;
  /** Where `with` holds secrets, from the runbook's text: the activity puts them in (see renderSealed). */
  secrets?: SecretSlot[];
  /** Names for parts of the result later steps read; the step keeps only these (runs/outputs.ts). */
  outputs?: Record<string, string>;
}

/** How one attempt (round) of a step ended, as the engine applies it. */
export type Outcome =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'failed'; message: string }
  | { kind: 'skipped'; reason: string; actor: string; detail?: Record<string, unknown> }
  | { kind: 'abort'; message: string }
  | { kind: 'cancelled' };

/** What people and operators have said about a step while it runs: the engine's per-step state besides StepState. */
export interface StepSlot {
  state: StepState;
  /** Order in which steps succeeded, for rollback. */
  doneOrder?: number;
  waitingSince?: string;
  /** An operator's answer to an `onFailure: ask` step, or to a retry of a failed step. */
  decision?: 'retry' | 'skip' | 'abort';
  decisionReason?: string;
  manual?: { actor: string; outcome: 'done' | 'failed'; note?: string; evidence?: string[] };
  /** Set when an operator skips a step that is waiting (approval or manual). */
  skipRequested?: { actor: string; reason: string };
  /** `runbook` steps: the approvals of the sub-runbook they run, found when the run started (docs/security.md). */
  gate?: SubRunbookGate;
}

/**
 * The approvals inside a sub-runbook (and its own sub-runbooks), which guard whatever in the parent needs the
 * `runbook` step that runs it. `version` is the one the step runs; absent when the runbook was not registered.
 */
export interface SubRunbookGate {
  runbook: string;
  version?: number;
  approvers: string[];
  quorum: number;
  allowSelfApproval: boolean;
}

/** What an action may know of its run (a PinnedRun is one): enough to name it, not the engine's state. */
export interface RunFacts {
  readonly runId: string;
  readonly mode: Mode;
  readonly requester: string;
  readonly runbook: { readonly id: string; readonly title: string };
}

/** A notification the step asks the run to send (routed by the runbook's rules and the worker's defaults). */
export interface NotifyRequest {
  detail?: Record<string, unknown>;
  emails?: string[];
}

/**
 * The narrow view of the run an action gets for one attempt of one step: its own slot, the timeline, notifications
 * and a wait on the run's state. Every write goes through `patch`, which wakes the scheduler.
 */
export interface ActionContext {
  readonly run: RunFacts;
  readonly attempt: number;
  /**
   * The idempotency key of this execution of the step (its undo has its own): the same for every attempt and
   * re-dispatch of it. Actions send it to targets so a repeat is recognised.
   */
  readonly key: string;
  /** This attempt's timeout: the step's own, else the action's default. */
  readonly timeoutMs: number;
  /** The step's slot as of now (read only; change it with `patch`). */
  slot(): Readonly<StepSlot>;
  patch(patch: Partial<Omit<StepSlot, 'state'>> & { state?: Partial<StepState> }): void;
  emit<T extends TimelineEventType>(type: T, fields: EventFields<T>): void;
  notify(event: Event, request?: NotifyRequest): void;
  /** Resolves true once `done()` holds, false when `timeoutMs` passes first (waits forever without it). */
  until(done: () => boolean, timeoutMs?: number): Promise<boolean>;
  /**
   * The run's records not yet stored, for this attempt's activity to store beside its work (activities/carried.ts),
   * or undefined; `dispatched` hands them over and reports back to `landed` what the activity answered.
   */
  carry(): CarriedRecords | undefined;
  landed(records: CarriedRecords, answer: CarriedAnswer | undefined): void;
}

/** Everything about one action. A missing piece is a compile error (see ACTIONS in ./index.ts). */
export interface ActionDefinition<S extends ZodType = ZodType, U extends boolean = boolean> {
  /** The schema of the step's `with`, built from the language's shared pieces. */
  with(k: SchemaKit): S;
  /**
   * Where `outputs` paths may start: the result fields of the action, `[]` when it has no result, or `undefined`
   * when its result is defined by the engine (only the path's syntax is checked).
   */
  resultFields: readonly string[] | undefined;
  /** The timeout of one attempt when the step sets none. */
  timeoutMs: number;
  /** What the planner assumes a step takes when it sets neither `expected` nor `timeout`. */
  expectedMs(w: output<S>): number;
  /** True when the planner's figure is the action's own (a wait's duration), not a guess worth a warning. */
  exactEstimate: boolean;
  /** What a drill does with the step unless the step says otherwise. */
  drill: 'run' | 'skip' | 'simulate';
  /** Whether a step of this action may have an `undo`. */
  mayHaveUndo: boolean;
  /** Whether this action may be the `undo` of another step (it then runs with that step's id and timeout). */
  mayBeUndo: U;
  /** People act on it: one attempt per round, never retried automatically. */
  human: boolean;
  /**
   * The fields of `with` where `{{ secrets.NAME }}` may appear (anywhere else is a validation error), and the field
   * whose URL decides where they may be sent. Without it the action takes no secrets.
   */
  secrets?: { in: readonly string[]; host?: string };
  /** Runs one attempt of a step whose `with` is already rendered against the run so far. */
  run(step: ActionStep<output<S>>, ctx: ActionContext): Promise<Outcome>;
  /**
   * For an action whose attempt is one step activity that succeeds with its result (`run` is then that call through
   * `dispatched`): the call itself, handed the records the activity carries. Since PATCH.leanSteps the engine makes
   * it without `run`'s async layers (actions/proxy.ts `dispatch`), a few promises a step instead of a dozen.
   */
  call?(step: ActionStep<output<S>>, ctx: ActionContext, records: CarriedRecords | undefined): Promise<Dispatched<unknown>>;
  /** What the run waits for while this step waits on people (approval, manual task). */
  waitingFor?(step: ActionStep<output<S>>, slot: Readonly<StepSlot>, since: string): WaitingFor | undefined;
  /** Warnings about a valid step (`lifeboat validate` shows them). */
  warnings?(step: ActionStep<output<S>>): Array<{ at: string[]; message: string }>;
}

/** Declares an action; the identity function that gives `run` the type of the action's own `with`. */
export function defineAction<S extends ZodType, const U extends boolean>(def: ActionDefinition<S, U>): ActionDefinition<S, U> {
  return def;
}

/** The template context an action's rendered `with` was rendered against (re-exported for action modules). */
export type { ReferenceContext };
