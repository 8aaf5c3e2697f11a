import type { ActionContext } from '../actions/kit';
import type { ReferenceContext } from '../model/reference';
import type { Step } from '../model/runbook';
import type { PinnedRun } from '../contract/run';
import type { Patches } from './patches';
import type { Halt, RunStore } from './state';
import type { TimelineWriter } from './timeline';

/** What message handlers (approvals, manual tasks, operator controls) may see and do: not the whole engine. */
export interface ControlPort {
  readonly run: PinnedRun;
  /** Which workflow changes apply to this run. */
  readonly has: Patches;
  readonly store: RunStore;
  readonly stepsById: ReadonlyMap<string, Step>;
  readonly timeline: Pick<TimelineWriter, 'emit'>;
  stopRun(halt: Halt): void;
  skip(stepId: string, reason: string, actor: string, detail?: Record<string, unknown>): void;
}

/** What running a step's attempts and a rollback need of the engine. */
export interface StepRunner {
  readonly run: PinnedRun;
  readonly store: RunStore;
  readonly timeline: Pick<TimelineWriter, 'emit'>;
  templateContext(): ReferenceContext;
  contextFor(step: { id: string; title?: string }, attempt: number, timeoutMs: number, key: string): ActionContext;
  /** Whether the run bounds what it hands Temporal (PATCH.boundedPayloads: runs/outputs.ts). */
  readonly boundsPayloads: boolean;
  /** Why the step may not keep the outputs it names of this result (PATCH.boundedPayloads), or undefined. */
  outputsRefused(step: Step, result: unknown): string | undefined;
}
