import { CancellationScope, condition, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SignedHead } from '../contract/run';
import type { EventFields, TimelineEvent, TimelineEventType } from '../timeline/event';

export type { EventFields };

const { appendTimelineEvents } = proxyActivities<Activities>({
  // A write is a few point operations, bounded by the store's own timeouts (store/connection.ts): a worker that
  // died mid-write is noticed after 30 s and the write retried.
  startToCloseTimeout: '30 seconds',
  // A timeline write is never dropped: it is retried until the store takes it.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

// The same write as a local activity (PATCH.localRecords), for the flushes a closing run waits for: it runs on this
// worker inside the workflow task and its answer is one marker in history, instead of an activity task the server
// schedules, dispatches and records (three events and a workflow task of its own). Not for the flushes while steps
// run: a local activity holds the workflow task, so the next step's activity would wait for the write, where a normal
// activity writes alongside it (docs/performance.md). A repeat is harmless: the append is idempotent and fenced
// (store/timeline.ts), and a worker lost before the marker was recorded replays to the same events, which it writes
// again unchanged, however it batches them.
const { appendTimelineEvents: appendTimelineEventsHere } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const MAX_BATCH = 200;

/**
 * Buffers the run's timeline events and writes them in order, one batch at a time. Sequence numbers and
 * timestamps come from the workflow (deterministic on replay), so a retried or replayed write is the same write.
 */
export class TimelineWriter {
  private pending: TimelineEvent[] = [];
  private closed = false;
  private signed?: SignedHead;
  private readonly loop: Promise<void>;

  constructor(
    private readonly runId: string,
    private seq = 0,
    /** Write the flushes of close() through a local activity (runs started with PATCH.localRecords). */
    private readonly local = false,
    /**
     * Keep writing when the workflow is cancelled (runs started with PATCH.flushWhenCancelled): the loop runs in the
     * workflow's root scope, so a cancellation would end it, and with it the closing run's last events and record.
     */
    nonCancellable = false,
  ) {
    this.loop = nonCancellable ? CancellationScope.nonCancellable(() => this.flushLoop()) : this.flushLoop();
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** The newest head the worker signed, as its activity answered (so it is in this workflow's history too). */
  get anchor(): SignedHead | undefined {
    return this.signed;
  }

  emit<T extends TimelineEventType>(type: T, fields: EventFields<T>): void {
    const { actor, ...rest } = fields;
    const event = { seq: ++this.seq, at: new Date().toISOString(), type, actor: actor ?? 'lifeboat', ...rest };
    // `event` is the member of the union whose type is T, but TypeScript does not relate a generic T to one member
    // of a union (microsoft/TypeScript#30581), so it has to be told.
    this.pending.push(event as TimelineEvent);
    // One log line per timeline event: the worker's sink adds the run id (workflowId); not called on replay.
    const step = 'stepId' in rest && typeof rest.stepId === 'string' ? { stepId: rest.stepId } : {};
    log.info(type, { event: type, seq: event.seq, ...step, ...('attempt' in rest ? { attempt: rest.attempt } : {}) });
  }

  /** Writes everything emitted so far and stops the writer. */
  async close(): Promise<void> {
    this.closed = true;
    await this.loop;
  }

  /** Waits until everything emitted so far is written (the writer keeps running). */
  async drained(): Promise<void> {
    // Events leave `pending` only once written, so an empty buffer means all is stored.
    await condition(() => this.pending.length === 0);
  }

  private async flushLoop(): Promise<void> {
    for (;;) {
      await condition(() => this.pending.length > 0 || this.closed);
      if (this.pending.length === 0) return;
      const batch = this.pending.slice(0, MAX_BATCH);
      const head = await (this.local && this.closed ? appendTimelineEventsHere : appendTimelineEvents)({ runId: this.runId, events: batch });
      // Histories recorded before heads were signed answer without one.
      if (head.anchor) this.signed = head.anchor;
      this.pending.splice(0, batch.length);
    }
  }
}
