// Imported by workflow code: no Node built-ins, no I/O.
import type { DrillBehaviour, Mode, Step } from './runbook';

/** What a step does in a run of the given mode: recovery runs everything; drills honour the step's `drill`. */
export function drillBehaviour(step: Pick<Step, 'drill'>, mode: Mode): DrillBehaviour {
  return mode === 'recovery' ? 'run' : step.drill;
}
