import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ControlResult, PinnedRun, RunInput, RunState } from '../contract/run';
import * as controls from './controls';
import { RunEngine } from './engine';
import type { ControlPort } from './port';
import { FAILURE } from '../contract/names';
import { applyApproval, applyManual, validateApproval, validateManual } from './humans';
import {
  abortRunUpdate,
  approveStepUpdate,
  completeManualUpdate,
  decideStepUpdate,
  pauseRunUpdate,
  resumeRunUpdate,
  retryStepUpdate,
  runStateQuery,
  skipStepUpdate,
} from '../contract/messages';

const { resolveRunbook } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/** Executes one pinned runbook version; its workflow id is the run id. */
export async function runbookWorkflow(input: RunInput): Promise<RunState> {
  const engine = new RunEngine(await pin(input));
  setHandler(runStateQuery, () => engine.snapshot());
  const state = (): ControlResult => ({ accepted: true, state: engine.snapshot() });
  // Validators run synchronously before the update is accepted: a rejection reaches the caller at once.
  const handle = <A>(def: UpdateDefinition<ControlResult, [A]>, c: { validate(e: ControlPort, a: A): void; apply(e: ControlPort, a: A): void }) =>
    setHandler(def, (a: A) => (c.apply(engine, a), state()), { validator: (a: A) => c.validate(engine, a) });
  handle(approveStepUpdate, { validate: validateApproval, apply: applyApproval });
  handle(completeManualUpdate, { validate: validateManual, apply: applyManual });
  handle(pauseRunUpdate, controls.pause);
  handle(resumeRunUpdate, controls.resume);
  handle(skipStepUpdate, controls.skip);
  handle(retryStepUpdate, controls.retry);
  handle(decideStepUpdate, controls.decide);
  handle(abortRunUpdate, controls.abort);
  return engine.execute();
}

/** The run with its runbook version resolved: given by the caller, or looked up by `ref` (schedules, sub-runbooks). */
async function pin(input: RunInput): Promise<PinnedRun> {
  const runId = input.runId ?? workflowInfo().workflowId;
  if (input.runbook && input.version !== undefined && input.hash) {
    return { ...input, runId, runbook: input.runbook, version: input.version, hash: input.hash };
  }
  if (!input.ref) throw ApplicationFailure.nonRetryable('the run input names no runbook: give runbook, version and hash, or ref', FAILURE.badRunInput);
  const resolved = await resolveRunbook({ ref: input.ref, parameters: input.parameters, mode: input.mode });
  return { ...input, runId, ...resolved };
}
