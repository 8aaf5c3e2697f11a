import type { Step } from '../model/runbook';
import type { PinnedRun } from '../contract/run';
import type { Halt, RunStore } from './state';
import type { TimelineWriter } from './timeline';

/** What message handlers (approvals, manual tasks, operator controls) may see and do: not the whole engine. */
export interface ControlPort {
  readonly run: PinnedRun;
  readonly store: RunStore;
  readonly stepsById: ReadonlyMap<string, Step>;
  readonly timeline: Pick<TimelineWriter, 'emit'>;
  stopRun(halt: Halt): void;
  skip(stepId: string, reason: string, actor: string, detail?: Record<string, unknown>): void;
}
