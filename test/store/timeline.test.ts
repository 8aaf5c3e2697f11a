import { Binary } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { canonicalJson } from '../../model/hash';
import { connectStore, type Store } from '../../store/connection';
import { appendTimelineEvents, readTimeline, verifyTimeline } from '../../store/timeline';
import { chainEvents, GENESIS_HASH } from '../../timeline/chain';
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
  const batches = store.db.collection<{ _id: string; events: Binary }>('timeline_batches');
  const batch = await batches.findOne({ _id: `${runId}/00000001` });
  const events = JSON.parse(inflateSync(batch!.events.buffer).toString()) as Array<Record<string, unknown>>;
  change(events[seq - 1]!);
  await batches.replaceOne({ _id: batch!._id }, { ...batch!, events: new Binary(deflateSync(JSON.stringify(events))) });
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
      e.detail = { error: 500, final: true };
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
      e.detail = { error: 'all fine', final: true };
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
  // An append reads the head, inserts its batch and moves the head: stall the first attempt at each.
  it.each([
    ['before it reads the head', 1, 'findOne'],
    ['before it inserts the batch', 1, 'insertOne'],
    ['before it moves the head', 1, 'updateOne'],
  ])('keeps the head where later batches left it when a stalled first attempt lands after its retry (%s)', async (_, n, operation) => {
    const runId = newRun();
    await appendTimelineEvents(store.db, runId, events(1, 2));
    const stall = stallBefore(store.db, n, operation);
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
    const stall = stallBefore(store.db, 2, 'insertOne'); // the first batch's insert, then the head's
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

describe('appending after the head the caller knows', () => {
  it('writes the batch and moves the head without reading it, when this process moved the head there', async () => {
    const runId = newRun();
    const first = await appendTimelineEvents(store.db, runId, events(1, 2));
    const next = counting(store.db);
    await expect(appendTimelineEvents(next.db, runId, events(3, 4), first)).resolves.toMatchObject({ seq: 4, written: true });
    expect(next.calls).toEqual(['timeline_batches.insertOne', 'timeline_heads.updateOne']);
    expect(await seqs(runId)).toEqual(range(1, 4));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 4 });
  });

  it('reads the head when the one it is told of is not where this process moved it', async () => {
    const runId = newRun();
    const first = await appendTimelineEvents(store.db, runId, events(1, 2));
    await appendTimelineEvents(store.db, runId, events(3, 4), first);
    // A caller that says the head is at event 2 (an older answer) with events that follow it: already stored.
    const stale = counting(store.db);
    await expect(appendTimelineEvents(stale.db, runId, events(3, 4), first)).resolves.toMatchObject({ seq: 4, written: false });
    expect(stale.calls[0]).toBe('timeline_heads.findOne');
    // A head the caller made up: the chain decides, not the caller.
    await expect(appendTimelineEvents(store.db, runId, events(5, 5), { seq: 4, hash: 'f'.repeat(64) })).resolves.toMatchObject({ seq: 5, written: true });
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 5 });
  });

  it('moves a head left behind its batches when it appends after the head it knows', async () => {
    const runId = newRun();
    const first = await appendTimelineEvents(store.db, runId, events(1, 2));
    const heads = store.db.collection<{ _id: string }>('timeline_heads');
    const behind = await heads.findOne({ _id: runId });
    const second = await appendTimelineEvents(store.db, runId, events(3, 4), first);
    await heads.replaceOne({ _id: runId }, behind!); // two head updates crossed: the older landed last
    await expect(appendTimelineEvents(store.db, runId, events(5, 6), second)).resolves.toMatchObject({ seq: 6, written: true });
    expect(await headSeq(runId)).toBe(6);
    expect(await seqs(runId)).toEqual(range(1, 6));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 6 });
  });

  it('keeps the head and every event when an attempt after the known head stalls and lands after its retry', async () => {
    const runId = newRun();
    const first = await appendTimelineEvents(store.db, runId, events(1, 2));
    const stall = stallBefore(store.db, 1, 'updateOne'); // stored its batch, not yet moved the head
    const late = appendTimelineEvents(stall.db, runId, events(3, 4), first);
    await stall.reached(late);
    // The retry, and the run going on.
    const retried = await appendTimelineEvents(store.db, runId, events(3, 4), first);
    expect(retried).toMatchObject({ seq: 4 });
    await appendTimelineEvents(store.db, runId, events(5, 7), retried);
    stall.release();
    await expect(late).resolves.toMatchObject({ seq: expect.any(Number) });
    expect(await headSeq(runId)).toBe(7);
    await appendTimelineEvents(store.db, runId, events(8, 8), { seq: 7, hash: (await readTimeline(store.db, runId)).head!.hash });
    expect(await seqs(runId)).toEqual(range(1, 8));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 8 });
  });
});

/** Counts the point lookups (and every other operation) sent through `db`. */
function counting(db: Store['db']) {
  const calls: string[] = [];
  const wrapped = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver);
      return (name: string) =>
        new Proxy(target.collection(name), {
          get(c, p, r) {
            const value: unknown = Reflect.get(c, p, r);
            if (typeof value !== 'function' || typeof p !== 'string') return value;
            return (...args: unknown[]) => {
              calls.push(`${name}.${p}`);
              return Reflect.apply(value, c, args);
            };
          },
        });
    },
  });
  return { db: wrapped, calls };
}

/** Appends events 1..n in batches of 1 to `most` events, as a workflow's flushes would. */
async function appendInBatches(runId: string, n: number, most: number): Promise<number> {
  let seq = 0;
  let appends = 0;
  while (seq < n) {
    const size = Math.min(n - seq, 1 + (appends % most));
    await appendTimelineEvents(store.db, runId, events(seq + 1, seq + size));
    seq += size;
    appends++;
  }
  return appends;
}

/** Writes events 1..n as the layout before pages did: one batch document per flush, events as documents, a head without `tail`. */
async function writeOldLayout(runId: string, n: number, per: number): Promise<void> {
  const stored = chainEvents(runId, events(1, n), GENESIS_HASH);
  const docs = [];
  for (let i = 0; i < n; i += per) {
    const part = stored.slice(i, i + per);
    docs.push({
      _id: `${runId}/${String(part[0]!.seq).padStart(8, '0')}`,
      runId,
      first: part[0]!.seq,
      last: part[part.length - 1]!.seq,
      events: part.map((e) => ({ ...e, detail: JSON.stringify(e.detail) })),
    });
  }
  await store.db.collection<{ _id: string }>('timeline_batches').insertMany(docs, { ignoreUndefined: true });
  await store.db.collection<{ _id: string; seq: number; hash: string }>('timeline_heads').insertOne({ _id: runId, seq: n, hash: stored[n - 1]!.hash });
}

describe('the paged layout', () => {
  jest.setTimeout(240_000); // thousands of appends on a loaded FerretDB
  it('reads a long timeline in a handful of point lookups, and one past a seq in fewer', async () => {
    const runId = newRun();
    const appends = await appendInBatches(runId, 2_500, 6);
    expect(appends).toBeGreaterThan(600);
    const all = counting(store.db);
    const { events: read, head } = await readTimeline(all.db, runId);
    expect(read.map((e) => e.seq)).toEqual(range(1, 2_500));
    expect(head?.seq).toBe(2_500);
    expect(all.calls.every((c) => c.endsWith('.findOne'))).toBe(true);
    // The head, 2 full pages, the open page's few batches, and the batch after the head.
    expect(all.calls.length).toBeLessThanOrEqual(16);
    const fresh = counting(store.db);
    expect((await readTimeline(fresh.db, runId, 2_490)).events.map((e) => e.seq)).toEqual(range(2_491, 2_500));
    expect(fresh.calls.length).toBeLessThan(all.calls.length);
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 2_500 });
  });

  it('reads and verifies a run stored in the old layout, and moves it to pages on its next append', async () => {
    const runId = newRun();
    await writeOldLayout(runId, 1_203, 7);
    expect((await readTimeline(store.db, runId)).events.map((e) => e.seq)).toEqual(range(1, 1_203));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 1_203 });
    await appendTimelineEvents(store.db, runId, events(1_204, 1_205));
    expect(await store.db.collection('timeline_pages').findOne({ _id: `${runId}/000000` } as never)).toMatchObject({ first: 1, last: 1_000 });
    const all = counting(store.db);
    expect((await readTimeline(all.db, runId)).events.map((e) => e.seq)).toEqual(range(1, 1_205));
    expect(all.calls.length).toBeLessThanOrEqual(4);
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 1_205 });
  });

  it('still refuses an old-layout event whose detail has the wrong shape', async () => {
    const runId = newRun();
    await writeOldLayout(runId, 4, 2);
    const batches = store.db.collection<{ _id: string; events: Array<Record<string, unknown>> }>('timeline_batches');
    const batch = await batches.findOne({ _id: `${runId}/00000003` });
    batch!.events[0]!.detail = JSON.stringify({ action: 7 });
    await batches.replaceOne({ _id: batch!._id }, batch!);
    await expect(readTimeline(store.db, runId)).rejects.toThrow(`timeline of run ${runId}: stored event 3 (step.started) does not match its type: detail.action`);
    expect((await verifyTimeline(store.db, runId)).firstBad).toMatchObject({ seq: 3, problem: 'malformed' });
  });

  it('writes a page once when retries of the batch that fills it race each other', async () => {
    const runId = newRun();
    await appendInBatches(runId, 998, 200);
    const results = await Promise.all([0, 1, 2].map(() => appendTimelineEvents(store.db, runId, events(999, 1_003))));
    expect(new Set(results.map((r) => `${r.seq} ${r.hash}`)).size).toBe(1);
    await appendTimelineEvents(store.db, runId, events(1_004, 1_004));
    expect((await readTimeline(store.db, runId)).events.map((e) => e.seq)).toEqual(range(1, 1_004));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 1_004 });
  });

  it('keeps every event when the attempt that fills a page stalls and lands after later batches', async () => {
    const runId = newRun();
    await appendInBatches(runId, 998, 200);
    const stall = stallBefore(store.db, 1, 'insertOne'); // the page's insert
    const late = appendTimelineEvents(stall.db, runId, events(999, 1_003));
    await stall.reached(late);
    await appendTimelineEvents(store.db, runId, events(999, 1_003));
    await appendTimelineEvents(store.db, runId, events(1_004, 1_010));
    stall.release();
    await late;
    expect(await headSeq(runId)).toBe(1_010);
    expect((await readTimeline(store.db, runId)).events.map((e) => e.seq)).toEqual(range(1, 1_010));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 1_010 });
  });

  it('reads past a head left behind its batches', async () => {
    const runId = newRun();
    await appendTimelineEvents(store.db, runId, events(1, 2));
    const heads = store.db.collection<{ _id: string }>('timeline_heads');
    const behind = await heads.findOne({ _id: runId });
    await appendTimelineEvents(store.db, runId, events(3, 4));
    await appendTimelineEvents(store.db, runId, events(5, 5));
    await heads.replaceOne({ _id: runId }, behind!); // two head updates crossed: the older landed last
    expect(await seqs(runId)).toEqual(range(1, 5));
    expect(await verifyTimeline(store.db, runId)).toMatchObject({ ok: true, events: 5 });
  });
});
