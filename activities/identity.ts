import { ApplicationFailure, sleep } from '@temporalio/activity';
import { FAILURE, RULE } from '../contract/names';
import { continuesByReference } from '../contract/continuation';
import type { Proof, RunInput } from '../contract/run';
import { runbookHash } from '../model/hash';
import type { Runbook } from '../model/runbook';
import { signerFrom, type StartPurpose } from '../runs/signing';
import { getRunbook } from '../store/registry';
import { getRun } from '../store/runs';
import type { ActivityDeps } from './deps';
import { subRunbookGates } from './gates';
import type { SubRunbookGate } from '../actions/kit';

// The worker holds the signing key; the workflow may not (it would be in history). These activities check what the
// workflow cannot: the HMAC of an update or a start, and a start's runbook against the registry. Their results are
// recorded in history, so a replay reads them back instead of checking again (a rotated key does not break replay).

const refuse = (message: string) => ApplicationFailure.create({ type: FAILURE.badSignature, message, nonRetryable: true, details: [RULE.signedIdentity] });

/** How the run was started, as Temporal (not the input) says. */
export interface StartFacts {
  workflowId: string;
  /** Started by a parent run's `runbook` step (Temporal's parent, which a client cannot set). */
  child: boolean;
  /** Continued as new from an earlier run of this workflow (Temporal's continuedFrom). */
  continued: boolean;
  /** Temporal's first run id of this workflow execution (absent in histories recorded before schedule binding). */
  firstRunId?: string;
}

/**
 * What the start check answers: the approvals of the pinned runbook's sub-runbooks (activities/gates.ts) and, for a
 * continuation by reference, the registry's definition of the version it names, checked against its hash.
 */
export interface StartAnswer {
  gates?: Record<string, SubRunbookGate>;
  pinned?: { runbook: Runbook; version: number; hash: string };
}

// How long a scheduled start waits to see itself among its schedule's actions: Temporal's scheduler records the
// start when the start call returns, which may be just after the new run's first task.
const SCHEDULE_SEEN_MS = 20_000;

export function identityActivities({ store, config, scheduleStarts }: ActivityDeps) {
  const signer = () => signerFrom(config);
  return {
    /** Local activity: whether an update's proof is the API's for this run, update and payload. */
    async verifyUpdate(input: { runId: string; update: string; payload: { proof?: Proof } }): Promise<{ ok: boolean }> {
      return { ok: signer().verifyUpdate(input.runId, input.update, input.payload) };
    },

    /** Local activity: the worker's proof over the input the run continues as new with. */
    async signContinuation(input: RunInput): Promise<Proof> {
      return signer().signStart(input, 'continue').proof!;
    },

    /**
     * Checks a run's start: signed by the API (a start, a schedule's or a continuation), for this workflow id, not a
     * replay of an earlier run's input, and its inline runbook (or, continuing by reference, the registry's) the
     * registry's for that version and hash. Throws BadSignature (non-retryable) saying which check failed.
     */
    async verifyRunStart(input: { run: RunInput; facts: StartFacts }): Promise<StartAnswer> {
      const { run, facts } = input;
      const what = `run ${facts.workflowId}`;
      if (continuesByReference(run)) return continuedByReference(run, facts, what);
      if (run.runbook || run.hash !== undefined || run.version !== undefined) await checkPinned(run, what);
      const gates = run.runbook ? { gates: await subRunbookGates(store.db, run.runbook) } : {};
      // A sub-runbook is started by its parent's workflow code, which names it by reference and passes the parent's
      // requester: there is nothing a client could have forged.
      if (facts.child && !run.runbook) return gates;
      if (!run.proof) throw refuse(`${what} was started without the API's signature: start runs through the API (POST /runs) or a schedule`);
      const purpose = startPurpose(run, facts);
      if (!signer().verifyStart(run, purpose)) throw refuse(`${what}: the start input's signature does not match its content (forged or modified)`);
      // No time window on starts: a run whose worker was down for a while must still start when it comes back. The
      // proof names the run id, which one workflow at a time may hold, and a record shows the id has run.
      if (purpose === 'start') {
        if (run.runId !== facts.workflowId) throw refuse(`${what}: the signed input is for run ${run.runId ?? '(none)'}, not this workflow`);
        if (await getRun(store.db, facts.workflowId)) throw refuse(`${what} already ran: a signed start is not reusable`);
      } else if (purpose === 'schedule') {
        if (run.trigger.kind !== 'schedule' || !facts.workflowId.startsWith(`${run.trigger.by}-`))
          throw refuse(`${what}: a schedule's signed input only starts runs of schedule ${run.trigger.by} (workflow ids ${run.trigger.by}-…)`);
        if (await getRun(store.db, facts.workflowId)) throw refuse(`${what} already ran: a signed start is not reusable`);
        await startedBySchedule(run.trigger.by, facts, what);
      } else {
        if (run.runId !== facts.workflowId) throw refuse(`${what}: the continuation is for run ${run.runId ?? '(none)'}, not this workflow`);
        const record = await getRun(store.db, facts.workflowId);
        if (record && record.status !== 'running') throw refuse(`${what} has ended (${record.status}); its continuation cannot start it again`);
      }
      return gates;
    },
  };

  /**
   * A schedule's input is signed once and readable by anyone with Temporal access, so it proves only what to run;
   * that this run is one the schedule started, Temporal's own record of the schedule's actions says.
   */
  async function startedBySchedule(scheduleId: string, facts: StartFacts, what: string): Promise<void> {
    if (!scheduleStarts) throw refuse(`${what}: this worker cannot ask Temporal which runs schedule ${scheduleId} started`);
    const deadline = Date.now() + SCHEDULE_SEEN_MS;
    for (;;) {
      const starts = await scheduleStarts(scheduleId);
      if (!starts) throw refuse(`${what}: schedule ${scheduleId} does not exist, so it did not start this run`);
      if (starts.some((s) => s.workflowId === facts.workflowId && (facts.firstRunId === undefined || s.runId === facts.firstRunId))) return;
      if (Date.now() > deadline)
        throw refuse(`${what} was not started by schedule ${scheduleId}: a schedule's signed input runs only as a start Temporal's schedule made (its input was copied)`);
      await sleep(250);
    }
  }

  /**
   * A continuation names its runbook by id, version and hash: only the worker's continue-as-new of this very run
   * starts it, and it runs the registry's definition only if that definition still has the hash the run started with.
   */
  async function continuedByReference(run: RunInput, facts: StartFacts, what: string): Promise<StartAnswer> {
    if (!facts.continued) throw refuse(`${what}: this input continues a run (resume state, runbook by reference); only that run's continue-as-new starts it`);
    if (!run.proof) throw refuse(`${what}: the continuation is not signed by the worker`);
    if (!signer().verifyStart(run, 'continue')) throw refuse(`${what}: the continuation's signature does not match its content (forged or modified)`);
    if (run.runId !== facts.workflowId) throw refuse(`${what}: the continuation is for run ${run.runId ?? '(none)'}, not this workflow`);
    const record = await getRun(store.db, facts.workflowId);
    if (record && record.status !== 'running') throw refuse(`${what} has ended (${record.status}); its continuation cannot start it again`);
    const { ref, hash } = run;
    if (!ref || ref.version === undefined || hash === undefined) throw refuse(`${what}: the continuation names no runbook version and hash (ref.id, ref.version, hash)`);
    const named = `runbook ${ref.id} v${ref.version}`;
    const registered = await getRunbook(store.db, ref.id, ref.version);
    if (!registered) throw refuse(`${what}: its continuation runs ${named}, which is not in the registry; only registered runbook versions run`);
    // The stored hash and the definition's own: a version document edited in the store fails one or the other.
    if (registered.hash !== hash || runbookHash(registered.runbook) !== hash) {
      throw refuse(
        `${what}: ${named} in the registry does not have hash ${hash}, which the run started with: the stored version was changed, and the run does not continue with it`,
      );
    }
    return { pinned: { runbook: registered.runbook, version: ref.version, hash }, gates: await subRunbookGates(store.db, registered.runbook) };
  }

  async function checkPinned(run: RunInput, what: string): Promise<void> {
    if (!run.runbook || run.version === undefined || run.hash === undefined) throw refuse(`${what}: a pinned runbook needs its definition, version and hash`);
    const registered = await getRunbook(store.db, run.runbook.id, run.version);
    if (!registered || registered.hash !== run.hash) {
      throw refuse(`${what}: runbook ${run.runbook.id} v${run.version} with hash ${run.hash} is not in the registry; only registered runbook versions run`);
    }
    if (runbookHash(run.runbook) !== run.hash) throw refuse(`${what}: the start input's runbook ${run.runbook.id} does not match its hash: it was modified`);
  }
}

function startPurpose(run: RunInput, facts: StartFacts): StartPurpose {
  if (run.resume) return facts.continued ? 'continue' : 'start'; // an input with resume state from a client fails the start check
  return run.trigger.kind === 'schedule' && run.runId === undefined ? 'schedule' : 'start';
}
