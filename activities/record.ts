import { appendTimelineEvents } from '../store/timeline';
import { saveRun, type RunRecord } from '../store/runs';
import type { TimelineEvent } from '../timeline/event';
import type { ActivityDeps } from '.';

/** Writes to the durable record: the run summary and its hash-chained timeline. Both are idempotent. */
export function recordActivities({ store }: ActivityDeps) {
  return {
    async appendTimelineEvents(input: { runId: string; events: TimelineEvent[] }): Promise<{ seq: number; hash: string }> {
      return appendTimelineEvents(store.db, input.runId, input.events);
    },
    async recordRun(record: RunRecord): Promise<void> {
      await saveRun(store.db, record);
    },
  };
}
