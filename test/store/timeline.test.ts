import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../../model/hash';
import { connectStore, type Store } from '../../store/connection';
import { appendTimelineEvents, readTimeline, verifyTimeline } from '../../store/timeline';
import { TimelineEventType, type TimelineEvent } from '../../timeline/event';
import { exampleEvent } from '../timeline/examples';
import { stallBefore } from './stall';

let store: Store;
beforeAll(async () => {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error("MONGODB_URI is not set: the suite's globalSetup should have set it");
  store = await connectStore(uri);
});
afterAll(() => store.close());

/** A run whose timeline holds one event of every type, written as one batch. */
async function runWithEveryEvent() {
  const runId = `timeline-${randomUUID()}`;
  const events = TimelineEventType.options.map((type, i) => exampleEvent(type, i + 1));
  await appendTimelineEvents(store.db, runId, events);
  return { runId, events };
}

/** Rewrites event `seq` of the run's first batch in place, as someone with database access could. */
async function tamper(runId: string, seq: number, change: (e: Record<string, unknown>) => void): Promise<void> {
  const batches = store.db.collection<{ _id: string; events: Array<Record<string, unknown>> }>('timeline_batches');
  const batch = await batches.findOne({ _id: `${runId}/00000001` });
  change(batch!.events[seq - 1]!);
  await batches.replaceOne({ _id: batch!._id }, batch!);
}

describe('stored timelines', () => {
  it('read back every type of event as written, and verify', async () => {
    const { runId, events } = await runWithEveryEvent();
    const { events: stored } = await readTimeline(store.db, runId);
    expect(stored.map(({ runId: _r, prevHash: _p, hash: _h, ...e }) => canonicalJson(e))).toEqual(events.map((e) => canonicalJson(e)));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: events.length });
  });

  it('refuse to read an event whose detail has the wrong shape, naming the run, the event and the field', async () => {
    const { runId } = await runWithEveryEvent();
    const seq = TimelineEventType.options.indexOf('step.failed') + 1;
    await tamper(runId, seq, (e) => {
      e.detail = JSON.stringify({ error: 500, final: true });
    });
    await expect(readTimeline(store.db, runId)).rejects.toThrow(
      `timeline of run ${runId}: stored event ${seq} (step.failed) does not match its type: detail.error: Invalid input: expected string, received number`,
    );
    expect(await verifyTimeline(store.db, runId)).toEqual({
      ok: false,
      events: seq - 1,
      firstBad: { seq, problem: 'malformed', message: expect.stringContaining(`stored event ${seq} (step.failed)`) },
    });
  });

  it('report an edit that keeps the shape as an edit', async () => {
    const { runId } = await runWithEveryEvent();
    const seq = TimelineEventType.options.indexOf('step.failed') + 1;
    await tamper(runId, seq, (e) => {
      e.detail = JSON.stringify({ error: 'all fine', final: true });
    });
    expect((await verifyTimeline(store.db, runId)).firstBad).toMatchObject({ seq, problem: 'edited' });
  });
});

/** Events first..last as the workflow emits them (deterministic: a retry sends exactly these again). */
const events = (first: number, last: number): TimelineEvent[] =>
  Array.from({ length: last - first + 1 }, (_, i) =>
    exampleEvent('step.started', first + i, { at: `2026-01-01T00:00:${String(first + i).padStart(2, '0')}Z`, stepId: `s${first + i}` }),
  );

const newRun = () => `fenced-${randomUUID()}`;
const headSeq = async (runId: string) => (await readTimeline(store.db, runId)).head?.seq ?? 0;
const seqs = async (runId: string) => (await readTimeline(store.db, runId)).events.map((e) => e.seq);
const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

describe('appending to a run timeline', () => {
  // An append reads the head (1), inserts the batch (2) and moves the head (3): stall the first attempt at each.
  it.each([
    ['before it reads the head', 1],
    ['before it inserts the batch', 2],
    ['before it moves the head', 3],
  ])('keeps the head where later batches left it when a stalled first attempt lands after its retry (%s)', async (_, n) => {
    const runId = newRun();
    await appendTimelineEvents(store.db, runId, events(1, 2));
    const stall = stallBefore(store.db, n);
    const late = appendTimelineEvents(stall.db, runId, events(3, 5));
    await stall.reached(late);
    // Temporal gave up on the first attempt: its retry writes the batch, and the run goes on to the next one.
    await appendTimelineEvents(store.db, runId, events(3, 5));
    await appendTimelineEvents(store.db, runId, events(6, 7));
    expect(await headSeq(runId)).toBe(7);
    stall.release();
    await expect(late).resolves.toMatchObject({ seq: expect.any(Number) });
    expect(await headSeq(runId)).toBe(7);
    expect(await seqs(runId)).toEqual(range(1, 7));
    // The run can still append: a head moved back would refuse event 8 for ever.
    await appendTimelineEvents(store.db, runId, events(8, 9));
    expect(await seqs(runId)).toEqual(range(1, 9));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 9 });
  });

  it('keeps the head when a stalled first batch lands after its retry created the timeline', async () => {
    const runId = newRun();
    const stall = stallBefore(store.db, 3);
    const late = appendTimelineEvents(stall.db, runId, events(1, 3));
    await stall.reached(late);
    await appendTimelineEvents(store.db, runId, events(1, 3));
    await appendTimelineEvents(store.db, runId, events(4, 4));
    stall.release();
    await expect(late).resolves.toMatchObject({ seq: expect.any(Number) });
    expect(await headSeq(runId)).toBe(4);
    expect(await seqs(runId)).toEqual(range(1, 4));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 4 });
  });

  it('writes each event once when a retry races its first attempt', async () => {
    const runId = newRun();
    const batches: Array<[number, number]> = [
      [1, 3],
      [4, 4],
      [5, 9],
      [10, 12],
    ];
    let previous = 0;
    for (const [first, last] of batches) {
      const results = await Promise.all([0, 1, 2].map(() => appendTimelineEvents(store.db, runId, events(first, last))));
      expect(results.map((r) => r.seq)).toEqual([last, last, last]);
      expect(new Set(results.map((r) => r.hash)).size).toBe(1);
      const head = await headSeq(runId);
      expect(head).toBeGreaterThanOrEqual(previous);
      previous = head;
    }
    expect(await seqs(runId)).toEqual(range(1, 12));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 12 });
  });

  it('moves a head left behind its stored batches up to them before appending', async () => {
    const runId = newRun();
    await appendTimelineEvents(store.db, runId, events(1, 2));
    const behind = await readTimeline(store.db, runId);
    await appendTimelineEvents(store.db, runId, events(3, 4));
    await appendTimelineEvents(store.db, runId, events(5, 5));
    // As if two head updates had crossed (FerretDB v1 reads, then writes): the head is back at event 2.
    await store.db.collection<{ _id: string; seq: number; hash: string }>('timeline_heads').replaceOne({ _id: runId }, { seq: 2, hash: behind.head!.hash });
    await appendTimelineEvents(store.db, runId, events(6, 7));
    expect(await headSeq(runId)).toBe(7);
    expect(await seqs(runId)).toEqual(range(1, 7));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 7 });
  });

  it('refuses a batch that does not follow the head, and a batch that contradicts one stored', async () => {
    const runId = newRun();
    await expect(appendTimelineEvents(store.db, runId, events(2, 3))).rejects.toThrow(/ends at event 0, cannot append events 2..3/);
    await appendTimelineEvents(store.db, runId, events(1, 2));
    await expect(appendTimelineEvents(store.db, runId, events(4, 5))).rejects.toThrow(/ends at event 2/);
    // A batch 3..4 stored by an attempt that died before moving the head; then someone sends other events 3..5.
    const stall = stallBefore(store.db, 3);
    const dead = appendTimelineEvents(stall.db, runId, events(3, 4));
    await stall.reached(dead);
    const other = events(3, 5).map((e) => ({ ...e, stepId: `other-${e.seq}` }));
    await expect(appendTimelineEvents(store.db, runId, other)).rejects.toThrow(/a different batch of events 3..4 is already stored/);
    stall.release();
    await dead;
    expect(await seqs(runId)).toEqual(range(1, 4));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 4 });
  });

  // A local activity's input is fixed only once its answer is in history: a workflow replayed after a lost workflow
  // task flushes the same events, batched differently.
  it('takes the same events batched differently after an attempt that wrote some of them', async () => {
    const runId = newRun();
    await appendTimelineEvents(store.db, runId, events(1, 2));
    await appendTimelineEvents(store.db, runId, events(3, 4));
    expect(await appendTimelineEvents(store.db, runId, events(3, 6))).toMatchObject({ seq: 6 });
    // 7..8 stored by an attempt that died before moving the head; the replay sends 7..10, then 7..9 of a shorter one.
    const stall = stallBefore(store.db, 3);
    const dead = appendTimelineEvents(stall.db, runId, events(7, 8));
    await stall.reached(dead);
    expect(await appendTimelineEvents(store.db, runId, events(7, 10))).toMatchObject({ seq: 10 });
    stall.release();
    await dead;
    expect(await appendTimelineEvents(store.db, runId, events(9, 12))).toMatchObject({ seq: 12 });
    expect(await seqs(runId)).toEqual(range(1, 12));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 12 });
  });
});
