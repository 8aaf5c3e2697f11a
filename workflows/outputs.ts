import type { Step } from '../model/runbook';
import { jsonBytes, kib, outputsOf, outputsProblem, RUN_OUTPUTS_BYTES } from '../runs/outputs';
import type { RunStore } from './state';

/**
 * The outputs a run keeps, bounded (PATCH.boundedPayloads; why: runs/outputs.ts). A step's activity already answers
 * only what its outputs select, within STEP_OUTPUTS_BYTES; this holds every action to that (a sub-runbook's result
 * too) and the run's outputs together to RUN_OUTPUTS_BYTES, which its continuations and its result carry.
 */
export class OutputBudget {
  /** What the run's succeeded steps keep, in JSON bytes: counted from the store once, then kept up to date. */
  private kept?: number;

  constructor(private readonly store: RunStore) {}

  /** Why `step` may not keep the outputs it names of `result`, or undefined (then they are counted as kept). */
  refused(step: Step, result: unknown): string | undefined {
    if (step.outputs === undefined || Object.keys(step.outputs).length === 0) return undefined;
    const outputs = outputsOf(step.outputs, result);
    const bytes = jsonBytes(outputs);
    const own = outputsProblem(outputs, bytes);
    if (own) return own;
    // A step run again (an operator's retry of a succeeded step) replaces what it kept before.
    const earlier = this.total() - jsonBytes(this.store.slot(step.id)?.state.outputs);
    if (earlier + bytes > RUN_OUTPUTS_BYTES) {
      return `its outputs hold ${kib(bytes)}, and with the ${kib(earlier)} the run's earlier steps keep that is over the ${kib(RUN_OUTPUTS_BYTES)} a run may keep: select smaller parts of results in outputs`;
    }
    this.kept = earlier + bytes;
    return undefined;
  }

  private total(): number {
    this.kept ??= Object.values(this.store.state.steps).reduce((sum, slot) => sum + jsonBytes(slot.state.outputs), 0);
    return this.kept;
  }
}
