import { CancellationScope, condition, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CarriedAnswer, CarriedRecords, StoredHead } from '../activities/carried';
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

/** How the writer shares the run's timeline writes with the step activities that carry them (PATCH.carriedRecords). */
export interface Carrying {
  /** True when nothing is about to start a step: the scheduler has taken in every change (workflows/engine.ts). */
  quiet(): boolean;
}

/**
 * Buffers the run's timeline events and writes them in order, one batch at a time. Sequence numbers and
 * timestamps come from the workflow (deterministic on replay), so a retried or replayed write is the same write.
 *
 * With `carrying`, a step's activity takes the unwritten events with it and stores them beside its own work
 * (`carry`, `landed`), so a chain of steps needs no flush activity: the writer flushes itself only what no starting
 * step took, once the scheduler is quiet. Every write starts at the first event not known stored, so writes in
 * flight together overlap rather than leave gaps, and the store keeps each event once (store/timeline.ts). An
 * event leaves the buffer only when a write's answer covers it: a carried write that failed, was slow or whose
 * step failed leaves its events to the writer's own flush.
 */
export class TimelineWriter {
  private pending: TimelineEvent[] = [];
  private closed = false;
  private signed?: SignedHead;
  /** The store's head as last answered (the next write appends after it without reading it). */
  private known?: StoredHead;
  /** The last seq a step's activity in flight carries (0: none in flight). */
  private carriedTo = 0;
  private flushing = false;
  /** A carried write stored nothing: the writer's own flush goes next, so a failing store never leaves the events waiting for the run's end. */
  private carryFailed = false;
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
    private readonly carrying?: Carrying,
  ) {
    // A new run's timeline is empty; a continued one's head is learnt from its first write.
    if (carrying && seq === 0) this.known = { seq: 0, hash: '' };
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

  /**
   * The unwritten events for a starting step's activity to store, when no other write is in flight (so they reach
   * the store in order); undefined otherwise. Call `landed` with what the activity answered.
   */
  carry(): Pick<CarriedRecords, 'events' | 'head'> | undefined {
    if (!this.carrying || this.closed || this.flushing || this.carryFailed || this.carriedTo > 0 || this.pending.length === 0) return undefined;
    const events = this.pending.slice(0, MAX_BATCH);
    this.carriedTo = events[events.length - 1]!.seq;
    return { events, head: this.headBefore(events) };
  }

  /** What the carrying activity stored (undefined: it failed or was cancelled; its events are written here then). */
  landed(answer: CarriedAnswer | undefined): void {
    this.carriedTo = 0;
    if (answer?.head) this.stored(answer.head);
    else this.carryFailed = true;
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

  private headBefore(events: TimelineEvent[]): StoredHead | undefined {
    return this.known?.seq === events[0]!.seq - 1 ? this.known : undefined;
  }

  /** Events up to `head` are stored: they leave the buffer. */
  private stored(head: StoredHead): void {
    if (this.known && this.known.seq >= head.seq) return;
    this.known = { seq: head.seq, hash: head.hash };
    const at = this.pending.findIndex((e) => e.seq > head.seq);
    this.pending.splice(0, at === -1 ? this.pending.length : at);
  }

  /** Something to write: events no step's activity carries, once the scheduler is quiet; or everything, closing. */
  private due(): boolean {
    if (this.closed) return this.carriedTo === 0;
    const newest = this.pending[this.pending.length - 1];
    return newest !== undefined && newest.seq > this.carriedTo && (this.carrying?.quiet() ?? true);
  }

  private async flushLoop(): Promise<void> {
    for (;;) {
      await condition(() => this.due());
      if (this.pending.length === 0) return;
      const batch = this.pending.slice(0, MAX_BATCH);
      const input = { runId: this.runId, events: batch, ...(this.carrying ? { head: this.headBefore(batch) } : {}) };
      this.flushing = true;
      const head = await (this.local && this.closed ? appendTimelineEventsHere : appendTimelineEvents)(input);
      this.flushing = false;
      this.carryFailed = false;
      // Histories recorded before heads were signed answer without one.
      if (head.anchor && (this.signed === undefined || head.anchor.seq >= this.signed.seq)) this.signed = head.anchor;
      // The store's head covers the batch (it may be past it: a carried write landed first).
      if (this.carrying) this.stored(head);
      else this.pending.splice(0, batch.length);
    }
  }
}
