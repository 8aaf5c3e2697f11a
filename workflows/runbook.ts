import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StartAnswer } from '../activities/identity';
import type { ControlResult, PinnedRun, Proof, RunInput, RunState } from '../contract/run';
import * as controls from './controls';
import { RunEngine } from './engine';
import type { ControlPort } from './port';
import type { SubRunbookGate } from '../actions/kit';
import { continuesByReference } from '../contract/continuation';
import { FAILURE, PATCH, REJECTION, RULE } from '../contract/names';
import { refuse } from './four-eyes';
import { checkProof, verifiedUpdate, verifyStart } from './identity';
import { applyApproval, applyManual, validateApproval, validateManual } from './humans';
import { runPatches } from './patches';
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
  // A start is checked before its first step (activities/identity.ts). An input that names its runbook by reference
  // is checked before the runbook is resolved (a continuation's check answers it); a pinned one after the query is
  // set, so the run answers at once.
  const has = runPatches();
  const checked = has(PATCH.signedStart);
  let verified = !checked;
  let answer: StartAnswer | undefined;
  if (checked && !isPinned(input)) {
    if (continuesByReference(input)) holdControls(input.runId ?? workflowInfo().workflowId);
    answer = await verifyStart(input);
    verified = true;
  }
  const { gates, ...pinned } = await pin(input, answer);
  const engine = new RunEngine(pinned, has);
  if (checked) engine.store.patchRun({ strictGates: true });
  setGates(engine, gates);
  setHandler(runStateQuery, () => engine.snapshot());
  const state = (): ControlResult => ({ accepted: true, state: engine.snapshot() });
  // Validators run synchronously before the update is accepted: a rejection reaches the caller at once. They cannot
  // check the HMAC (the key would be in history), only that a fresh, unused proof is there; the handler has the
  // worker check it (a local activity, recorded) and validates again, since the run may have moved on meanwhile.
  const handle = <A extends { proof?: Proof }>(def: UpdateDefinition<ControlResult, [A]>, c: { validate(e: ControlPort, a: A): void; apply(e: ControlPort, a: A): void }) =>
    setHandler(
      def,
      async (a: A) => {
        if (has(PATCH.signedUpdates)) {
          await verifiedUpdate(engine, def.name, a);
          c.validate(engine, a);
        }
        c.apply(engine, a);
        return state();
      },
      {
        validator: (a: A) => {
          if (!verified) throw refuse(REJECTION.conflict, RULE.signedIdentity, `run ${engine.run.runId} is still checking its start; send this again in a moment`);
          checkProof(engine, a.proof);
          c.validate(engine, a);
        },
      },
    );
  handle(approveStepUpdate, { validate: validateApproval, apply: applyApproval });
  handle(completeManualUpdate, { validate: validateManual, apply: applyManual });
  handle(pauseRunUpdate, controls.pause);
  handle(resumeRunUpdate, controls.resume);
  handle(skipStepUpdate, controls.skip);
  handle(retryStepUpdate, controls.retry);
  handle(decideStepUpdate, controls.decide);
  handle(abortRunUpdate, controls.abort);
  if (!verified) {
    setGates(engine, (await verifyStart(input)).gates);
    verified = true;
  }
  return engine.execute();
}

function isPinned(input: RunInput): input is RunInput & Pick<PinnedRun, 'runbook' | 'version' | 'hash'> {
  return input.runbook !== undefined && input.version !== undefined && !!input.hash;
}

/**
 * While a continuation by reference waits for its start check, the run has no definition to answer with: its state
 * query and operator messages are answered "again in a moment" (RunService.get asks again) until runbookWorkflow
 * replaces these handlers with the engine's.
 */
function holdControls(runId: string): void {
  const busy = () => refuse(REJECTION.conflict, RULE.signedIdentity, `run ${runId} is continuing as new and checking its runbook; send this again in a moment`);
  const refused = (): never => {
    throw busy();
  };
  setHandler(runStateQuery, refused);
  const hold = <A>(def: UpdateDefinition<ControlResult, [A]>) => setHandler(def, (_a: A): ControlResult => refused(), { validator: (_a: A) => refused() });
  hold(approveStepUpdate);
  hold(completeManualUpdate);
  hold(pauseRunUpdate);
  hold(resumeRunUpdate);
  hold(skipStepUpdate);
  hold(retryStepUpdate);
  hold(decideStepUpdate);
  hold(abortRunUpdate);
}

/** Each `runbook` step learns the approvals of its sub-runbook before any control is accepted (workflows/four-eyes.ts). */
function setGates(engine: RunEngine, gates: Record<string, SubRunbookGate> | undefined): void {
  for (const [stepId, gate] of Object.entries(gates ?? {})) if (engine.store.slot(stepId)) engine.store.patchStep(stepId, { gate });
}

/**
 * The run with its runbook version resolved: given by the caller, answered by the start check (a continuation by
 * reference), or looked up by `ref` (schedules, sub-runbooks).
 */
async function pin(input: RunInput, answer: StartAnswer | undefined): Promise<PinnedRun & { gates?: Record<string, SubRunbookGate> }> {
  const runId = input.runId ?? workflowInfo().workflowId;
  if (isPinned(input)) {
    return { ...input, runId, runbook: input.runbook, version: input.version, hash: input.hash };
  }
  if (continuesByReference(input)) {
    if (!answer?.pinned) throw ApplicationFailure.nonRetryable('a continuation by reference runs only once the start check answers its runbook', FAILURE.badRunInput);
    const { ref: _ref, ...rest } = input;
    return { ...rest, runId, ...answer.pinned, gates: answer.gates };
  }
  if (!input.ref) throw ApplicationFailure.nonRetryable('the run input names no runbook: give runbook, version and hash, or ref', FAILURE.badRunInput);
  const resolved = await resolveRunbook({ ref: input.ref, parameters: input.parameters, mode: input.mode });
  return { ...input, runId, ...resolved };
}
