import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ControlResult, PinnedRun, Proof, RunInput, RunState } from '../contract/run';
import { isFresh } from '../contract/proof';
import * as controls from './controls';
import { RunEngine } from './engine';
import type { ControlPort } from './port';
import { FAILURE, PATCH, REJECTION, RULE, SIGNATURE_WINDOW_MS } from '../contract/names';
import { refuse } from './four-eyes';
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

const { resolveRunbook, verifyRunStart } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

const { verifyUpdate } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 5 },
});

/** Executes one pinned runbook version; its workflow id is the run id. */
export async function runbookWorkflow(input: RunInput): Promise<RunState> {
  // A start is checked before its first step (activities/identity.ts). An input that names its runbook by reference
  // is checked before the runbook is resolved; a pinned one after the query is set, so the run answers at once.
  const checked = patched(PATCH.signedStart);
  let verified = !checked;
  if (checked && !isPinned(input)) {
    await verifyStart(input);
    verified = true;
  }
  const engine = new RunEngine(await pin(input));
  if (checked) engine.store.patchRun({ strictGates: true });
  setHandler(runStateQuery, () => engine.snapshot());
  const state = (): ControlResult => ({ accepted: true, state: engine.snapshot() });
  // Validators run synchronously before the update is accepted: a rejection reaches the caller at once. They cannot
  // check the HMAC (the key would be in history), only that a fresh, unused proof is there; the handler has the
  // worker check it (a local activity, recorded) and validates again, since the run may have moved on meanwhile.
  const handle = <A extends { proof?: Proof }>(def: UpdateDefinition<ControlResult, [A]>, c: { validate(e: ControlPort, a: A): void; apply(e: ControlPort, a: A): void }) =>
    setHandler(
      def,
      async (a: A) => {
        if (patched(PATCH.signedUpdates)) {
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
    await verifyStart(input);
    verified = true;
  }
  return engine.execute();
}

/** Validator: the update carries the API's proof, issued within the window, not used before in this run. */
function checkProof(engine: RunEngine, proof: Proof | undefined): void {
  if (!proof) {
    throw refuse(REJECTION.forbidden, RULE.signedIdentity, 'signed identity: this update is not signed; operator actions go through the Lifeboat API, which signs who sends them');
  }
  if (!isFresh(proof, Date.now())) {
    throw refuse(
      REJECTION.forbidden,
      RULE.signedIdentity,
      `signed identity: this update was signed at ${proof.issuedAt}, outside the ${SIGNATURE_WINDOW_MS / 60_000}-minute window; send it again`,
    );
  }
  if (engine.store.state.nonces[proof.nonce] !== undefined) {
    throw refuse(REJECTION.forbidden, RULE.signedIdentity, 'signed identity: this signed update was already taken: each one is used once');
  }
}

/** Handler: uses the update's nonce, then has the worker check its HMAC; throws (the update fails) unless it is the API's. */
async function verifiedUpdate(engine: RunEngine, update: string, a: { proof?: Proof }): Promise<void> {
  const { proof } = a;
  if (!proof || !engine.store.useNonce(proof.nonce, Date.parse(proof.issuedAt), Date.now(), SIGNATURE_WINDOW_MS)) {
    throw refuse(REJECTION.forbidden, RULE.signedIdentity, 'signed identity: this signed update was already taken: each one is used once');
  }
  let ok: boolean;
  try {
    ({ ok } = await verifyUpdate({ runId: engine.run.runId, update, payload: a }));
  } catch (err) {
    throw refuse(
      REJECTION.forbidden,
      RULE.signedIdentity,
      `signed identity: the worker could not check this update's signature (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (!ok) throw refuse(REJECTION.forbidden, RULE.signedIdentity, "signed identity: this update's signature does not match its content: it was forged or modified");
}

/** The start check (activities/identity.ts): fails the run, without retries, unless the API or the worker signed it. */
async function verifyStart(input: RunInput): Promise<void> {
  const info = workflowInfo();
  try {
    await verifyRunStart({ run: input, facts: { workflowId: info.workflowId, child: info.parent !== undefined, continued: info.continuedFromExecutionRunId !== undefined } });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    throw ApplicationFailure.nonRetryable(`signed identity: ${cause}`, FAILURE.badSignature, RULE.signedIdentity);
  }
}

function isPinned(input: RunInput): input is RunInput & Pick<PinnedRun, 'runbook' | 'version' | 'hash'> {
  return input.runbook !== undefined && input.version !== undefined && !!input.hash;
}

/** The run with its runbook version resolved: given by the caller, or looked up by `ref` (schedules, sub-runbooks). */
async function pin(input: RunInput): Promise<PinnedRun> {
  const runId = input.runId ?? workflowInfo().workflowId;
  if (isPinned(input)) {
    return { ...input, runId, runbook: input.runbook, version: input.version, hash: input.hash };
  }
  if (!input.ref) throw ApplicationFailure.nonRetryable('the run input names no runbook: give runbook, version and hash, or ref', FAILURE.badRunInput);
  const resolved = await resolveRunbook({ ref: input.ref, parameters: input.parameters });
  return { ...input, runId, ...resolved };
}
