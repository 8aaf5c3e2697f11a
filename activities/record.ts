import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE } from '../contract/names';
import { activityLog } from '../logging/activity';
import { TimelineFeed } from '../metrics/feed';
import type { Mode, Runbook } from '../model/runbook';
import { resolveParameters } from '../runs/parameters';
import { RunRecord, type RunbookRef, type RunState } from '../contract/run';
import { keepFinalState } from '../store/final-states';
import { getRunbook } from '../store/registry';
import { appendTimelineEvents } from '../store/timeline';
import { saveRun } from '../store/runs';
import type { TimelineEvent } from '../timeline/event';
import { signHead, type SignedHead } from '../timeline/evidence';
import type { ActivityDeps } from './deps';
import { subRunbookGates } from './gates';
import type { SubRunbookGate } from '../actions/kit';
import type { Carry, CarriedAnswer, StoredHead } from './carried';

// How long a step's activity waits for the store to take what it carries (beside its own work): past this it answers
// without, and the workflow writes the rest itself. Well inside the grace its start-to-close timeout adds (actions/proxy.ts).
const CARRY_MS = 3_000;

/** The run's timeline and record writes, shared by the record activities and the step activities that carry them. */
export function recordWriter({ store, config, metrics }: ActivityDeps) {
  const feed = new TimelineFeed(store.db, metrics);
  /**
   * Appends a batch and answers the new head signed with the evidence key (never stored in the database): the
   * workflow keeps it, so Temporal's history holds a signed head at least every batch (docs/evidence.md).
   */
  const append = async (input: { runId: string; events: TimelineEvent[]; head?: StoredHead }): Promise<{ seq: number; hash: string; anchor: SignedHead }> => {
    // `head`, the workflow's last known head: when this process moved the head there, the append skips reading it.
    // Labels first: a lookup that fails then fails the attempt before the batch is stored, not after, uncounted.
    const labels = await feed.labelsOf(input.runId, input.events);
    const { written, ...head } = await appendTimelineEvents(store.db, input.runId, input.events, input.head);
    await feed.appended(input.runId, labels, input.events, written);
    return { ...head, anchor: signHead(config.evidenceKey, { runId: input.runId, ...head }) };
  };
  /**
   * What a step's activity carries, stored beside its work: both writes are the ones the record activities make
   * (idempotent and fenced), so a re-dispatch repeats them harmlessly. A failure or a slow store is not the step's:
   * the answer leaves out what was not stored, and the workflow writes it itself (no event is dropped).
   */
  const carry: Carry = async (records) => {
    if (!records) return undefined;
    const answer: CarriedAnswer = {};
    const { runId, events, head, record } = records;
    const writes = Promise.all([
      events?.length
        ? append({ runId, events, head }).then(({ anchor, ...stored }) => {
            answer.head = stored;
            answer.anchor = anchor;
          })
        : undefined,
      record === undefined ? undefined : saveRun(store.db, RunRecord.parse(record)).then(() => void (answer.record = true)),
    ]).catch((err: unknown) =>
      activityLog().warn({ error: err instanceof Error ? err.message : String(err) }, 'storing the run records a step carries failed; the workflow writes them'),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([writes, new Promise((resolve) => (timer = setTimeout(resolve, CARRY_MS)))]);
    clearTimeout(timer);
    return { ...answer };
  };
  return { append, carry };
}

/** Writes to the durable record: the run summary and its hash-chained timeline. Both are idempotent. */
export function recordActivities(deps: ActivityDeps, writer = recordWriter(deps)) {
  const { store } = deps;
  return {
    /** Appends a batch (after `head` when the workflow knows it) and answers the new head, signed (recordWriter). */
    appendTimelineEvents: writer.append,
    /** With `final` (a run's closing record), its final state is kept first: readers of an ended run find it. */
    async recordRun(record: RunRecord, final?: RunState): Promise<void> {
      if (final) await keepFinalState(store.db, final);
      await saveRun(store.db, record);
    },
    /** Pins a runbook named by reference (schedules, sub-runbooks) and checks the parameters against it. */
    async resolveRunbook(input: {
      ref: RunbookRef;
      parameters: Record<string, unknown>;
      /** Absent in histories recorded before change control; then the check is skipped, as it was then. */
      mode?: Mode;
    }): Promise<{ runbook: Runbook; version: number; hash: string; parameters: Record<string, unknown>; gates: Record<string, SubRunbookGate> }> {
      const pinned = await getRunbook(store.db, input.ref.id, input.ref.version);
      if (!pinned) {
        const what = input.ref.version === undefined ? `runbook ${input.ref.id}` : `version ${input.ref.version} of runbook ${input.ref.id}`;
        throw ApplicationFailure.nonRetryable(`${what} is not registered`, FAILURE.runbookNotFound);
      }
      if (input.mode === 'recovery' && pinned.reviewNeeded && !pinned.review) {
        throw ApplicationFailure.nonRetryable(
          `runbook ${input.ref.id} v${pinned.version} changes command steps or secret references and is not reviewed; recovery mode runs it only after a second person reviews it (rule LIFEBOAT_RUNBOOK_REVIEW=required): POST /runbooks/${input.ref.id}/versions/${pinned.version}/review`,
          FAILURE.runbookUnreviewed,
        );
      }
      const params = resolveParameters(pinned.runbook, input.parameters);
      if (!params.ok)
        throw ApplicationFailure.nonRetryable(
          `parameters do not fit runbook ${input.ref.id}: ${params.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          FAILURE.badParameters,
        );
      return { runbook: pinned.runbook, version: pinned.version, hash: pinned.hash, parameters: params.values, gates: await subRunbookGates(store.db, pinned.runbook) };
    },
  };
}
