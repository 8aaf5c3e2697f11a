// Zod-free and pure: what a run hands to its next workflow run at continue-as-new (workflows/engine.ts), and how the
// next run and the worker's start check (activities/identity.ts) tell that input apart.
import type { PinnedRun, ResumeState, RunInput } from './run';

/**
 * The input a run continues as new with: its runbook by reference (id, version and hash), not the definition, and
 * every step's state. Temporal refuses a payload over 2 MB: a 1 MiB runbook and the states of its 5,000 steps do not
 * fit in one together, the states alone do (test/workflows/continuation.test.ts). The next run's start check reads
 * the definition from the registry and refuses one whose hash is not this one.
 */
export function continuationInput(run: PinnedRun, resume: ResumeState): RunInput {
  const { runId, runbook, version, hash, mode, parameters, requester, trigger, declaredAt, limits } = run;
  return { runId, ref: { id: runbook.id, version }, hash, mode, parameters, requester, trigger, declaredAt, limits, resume };
}

/**
 * Whether the input is a continuation that names its runbook by reference. Continuations made before it carry the
 * definition inline (and run as they did); a client's input never carries resume state that the start check accepts.
 */
export function continuesByReference(input: RunInput): boolean {
  return input.resume !== undefined && input.runbook === undefined;
}
