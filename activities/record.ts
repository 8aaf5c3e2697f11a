import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE } from '../contract/names';
import { TimelineFeed } from '../metrics/feed';
import type { Mode, Runbook } from '../model/runbook';
import { resolveParameters } from '../runs/parameters';
import type { RunbookRef, RunRecord } from '../contract/run';
import { getRunbook } from '../store/registry';
import { appendTimelineEvents } from '../store/timeline';
import { saveRun } from '../store/runs';
import type { TimelineEvent } from '../timeline/event';
import { signHead, type SignedHead } from '../timeline/evidence';
import type { ActivityDeps } from './deps';
import { subRunbookGates } from './gates';
import type { SubRunbookGate } from '../actions/kit';

/** Writes to the durable record: the run summary and its hash-chained timeline. Both are idempotent. */
export function recordActivities({ store, config, metrics }: ActivityDeps) {
  const feed = new TimelineFeed(store.db, metrics);
  return {
    /**
     * Appends a batch and answers the new head signed with the evidence key (never stored in the database): the
     * workflow keeps it, so Temporal's history holds a signed head at least every batch (docs/evidence.md).
     */
    async appendTimelineEvents(input: { runId: string; events: TimelineEvent[] }): Promise<{ seq: number; hash: string; anchor: SignedHead }> {
      // Labels first: a lookup that fails then fails the attempt before the batch is stored, not after, uncounted.
      const labels = await feed.labelsOf(input.runId, input.events);
      const { written, ...head } = await appendTimelineEvents(store.db, input.runId, input.events);
      await feed.appended(input.runId, labels, input.events, written);
      return { ...head, anchor: signHead(config.evidenceKey, { runId: input.runId, ...head }) };
    },
    async recordRun(record: RunRecord): Promise<void> {
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
