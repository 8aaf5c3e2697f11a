import { ApplicationFailure, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FAILURE, REJECTION, RULE, SIGNATURE_WINDOW_MS } from '../contract/names';
import { isFresh } from '../contract/proof';
import { continuesByReference } from '../contract/continuation';
import type { Proof, RunInput } from '../contract/run';
import type { StartAnswer } from '../activities/identity';
import { refuse } from './four-eyes';
import type { ControlPort } from './port';

// Signed identities, the workflow's half (docs/security.md): it cannot hold the key (it would be in history), so its
// validators check that a proof is there, fresh and unused, and the worker checks the HMAC (activities/identity.ts),
// its answer recorded in history so a replay reads it back.

const { verifyRunStart } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

// A continuation by reference is checked by a local activity, in the new workflow run's first task: its input holds
// every step's state (over 1 MB for the largest runbook), which an activity's scheduled event would record a second
// time, and the answer (the definition) is recorded once, in its marker. Until it answers, the run's query and
// updates are refused "again in a moment" (holdControls in workflows/runbook.ts). The check only reads, so a repeat is
// harmless.
const { verifyRunStart: verifyRunStartHere } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

const { verifyUpdate } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 5 },
});

/** Validator: the update carries the API's proof, issued within the window, not used before in this run. */
export function checkProof(engine: ControlPort, proof: Proof | undefined): void {
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
export async function verifiedUpdate(engine: ControlPort, update: string, a: { proof?: Proof }): Promise<void> {
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

/**
 * The start check (activities/identity.ts): fails the run, without retries, unless the API or the worker signed it.
 * Answers the sub-runbooks' approvals and, for a continuation by reference, the registry's definition.
 */
export async function verifyStart(input: RunInput): Promise<StartAnswer> {
  const info = workflowInfo();
  const check = continuesByReference(input) ? verifyRunStartHere : verifyRunStart;
  try {
    // A history recorded before sub-runbook gates answers nothing here: that run keeps its old rules.
    return (
      (await check({
        run: input,
        facts: { workflowId: info.workflowId, child: info.parent !== undefined, continued: info.continuedFromExecutionRunId !== undefined, firstRunId: info.firstExecutionRunId },
      })) ?? {}
    );
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    throw ApplicationFailure.nonRetryable(`signed identity: ${cause}`, FAILURE.badSignature, RULE.signedIdentity);
  }
}
