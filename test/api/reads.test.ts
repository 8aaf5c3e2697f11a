import { Client, Connection } from '@temporalio/client';
import { Binary } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { RunService } from '../../runs/service';
import { saveRun } from '../../store/runs';
import { appendTimelineEvents, readTimeline } from '../../store/timeline';
import type { TimelineEvent } from '../../timeline/event';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { startPlainTemporal } from '../harness/plain-temporal';
import { startRun } from '../harness/runs';
import { readSse } from '../harness/sse';
import { waitFor } from '../harness/wait';

// The read path's promises through the API (docs/performance.md, "Reads"): long timelines read whole and in order
// across pages, an edit in any page is caught, a resumed stream gets only what follows, and a finished run reads
// from the store alone.

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let api: ReturnType<typeof apiClient>;
let auth: Record<string, string>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  auth = { authorization: `Bearer ${lb.adminToken}` };
  api = apiClient(lb.url, auth);
});
afterAll(async () => {
  await lb?.stop();
});

jest.setTimeout(300_000); // thousands of appends on a shared FerretDB

const at = (seq: number) => new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString();
function event(seq: number): TimelineEvent {
  if (seq === 1)
    return {
      seq,
      at: at(1),
      type: 'run.started',
      actor: 'test',
      detail: { runbook: 'reads', version: 1, hash: 'h', mode: 'drill', trigger: { kind: 'cli', by: 'test' }, parameters: {} },
    };
  const stepId = `s${Math.floor(seq / 2)}`;
  return seq % 2 === 0
    ? { seq, at: at(seq), type: 'step.started', actor: 'lifeboat', stepId, attempt: 1, detail: { action: 'http', title: `Call ${stepId}` } }
    : { seq, at: at(seq), type: 'step.succeeded', actor: 'lifeboat', stepId, attempt: 1, detail: { durationMs: 3, outputs: { status: 200 } } };
}
const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

/** Appends events from..to in flushes of 1 to 3 events, as a sequential run writes them. */
async function append(runId: string, from: number, to: number): Promise<void> {
  for (let seq = from, i = 0; seq <= to; i++) {
    const last = Math.min(to, seq + (i % 3));
    await appendTimelineEvents(lb.store.db, runId, range(seq, last).map(event));
    seq = last + 1;
  }
}

async function finish(runId: string, events: number): Promise<void> {
  await saveRun(lb.store.db, {
    runId,
    runbookId: 'reads',
    version: 1,
    hash: 'h',
    mode: 'drill',
    status: 'completed',
    requester: 'test',
    trigger: { kind: 'cli', by: 'test' },
    parameters: {},
    startedAt: at(1),
    finishedAt: at(events),
  });
}

describe('a 5,000-event timeline', () => {
  const runId = `reads-${randomUUID()}`;
  beforeAll(async () => {
    await append(runId, 1, 5_000);
    await finish(runId, 5_000);
  });

  it('reads complete and in order through the API, across its pages', async () => {
    const res = await api.get(`/runs/${runId}/timeline`);
    expect(res.status).toBe(200);
    const events = res.body.events as Json[];
    expect(events.map((e) => e.seq)).toEqual(range(1, 5_000));
    expect(events[2_999]).toMatchObject({ seq: 3_000, type: 'step.started', stepId: 's1500' });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(events).toEqual(JSON.parse(JSON.stringify((await readTimeline(lb.store.db, runId)).events)));
    // Chained across the page boundaries too.
    for (const seq of [1_000, 2_000, 4_000]) expect(events[seq]!.prevHash).toBe(events[seq - 1]!.hash);
    expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ ok: true, events: 5_000 });
  });

  it('verify names an event edited in a middle page, even after the same page was read and verified before', async () => {
    expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ ok: true });
    // Someone with database access changes event 2,500 (page 3 of 5) in place.
    const pages = lb.store.db.collection<{ _id: string; events: Binary }>('timeline_pages');
    const page = await pages.findOne({ _id: `${runId}/000002` });
    expect(page).not.toBeNull();
    const events = JSON.parse(inflateSync(page!.events.buffer).toString()) as Array<Record<string, unknown>>;
    const target = events.find((e) => e.seq === 2_500)!;
    target.detail = { action: 'http', title: 'Call nobody' };
    await pages.replaceOne({ _id: page!._id }, { ...page!, events: new Binary(deflateSync(JSON.stringify(events))) });

    const verified = (await api.get(`/runs/${runId}/verify`)).body;
    expect(verified).toMatchObject({ ok: false, firstBad: { seq: 2_500, problem: 'edited' } });
    const timeline = (await api.get(`/runs/${runId}/timeline`)).body.events as Json[];
    expect(timeline[2_499]!.detail).toEqual({ action: 'http', title: 'Call nobody' }); // what is stored, not what was read before
  });
});

// The API keeps each stored document's parsed events and their JSON text while its bytes stay the same. Someone with
// database access changes or removes documents between two reads: the second read answers what is stored now (a full
// page the timeline read holds, once a read of the store has met the edit: see the next describe).
describe('a timeline read again after its documents changed', () => {
  type Doc = { _id: string; events: Binary; tail?: Array<{ id: string }> };
  const pages = () => lb.store.db.collection<Doc>('timeline_pages');
  const batches = () => lb.store.db.collection<Doc>('timeline_batches');
  const stored = (doc: Doc) => inflateSync(doc.events.buffer).toString('utf8');
  // Stored deflate blocks (level 0): a text edited without changing its length keeps the document's length too.
  const packed = (text: string) => new Binary(deflateSync(text, { level: 0 }));

  async function longRun(): Promise<string> {
    const runId = `reads-cache-${randomUUID()}`;
    await append(runId, 1, 1_200); // a full page, and the open page's batches
    await finish(runId, 1_200);
    return runId;
  }

  it.each([
    ['a full page', 'timeline_pages'],
    ['a batch of the open page', 'timeline_batches'],
  ])('answers %s replaced by bytes of the same length, and verify flags the edit', async (_what, collection) => {
    const runId = await longRun();
    const docs = collection === 'timeline_pages' ? pages() : batches();
    const id = collection === 'timeline_pages' ? `${runId}/000000` : (await lb.store.db.collection<Doc>('timeline_heads').findOne({ _id: runId }))!.tail!.at(-1)!.id;
    const doc = (await docs.findOne({ _id: id }))!;
    const text = stored(doc);
    const seq = (JSON.parse(text) as Array<{ seq: number; type: string }>).find((e) => e.type === 'step.started')!.seq;
    // The same events in other bytes first, read (and so cached) and verified as they are.
    await docs.replaceOne({ _id: id }, { ...doc, events: packed(text) });
    const first = await api.get(`/runs/${runId}/timeline`);
    expect(first.body.events).toHaveLength(1_200);
    expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ ok: true, events: 1_200 });
    // Read again unchanged: the same answer, under the same ETag (a client's cached copy stays valid).
    const unchanged = await api.get(`/runs/${runId}/timeline`);
    expect(unchanged.body).toEqual(first.body);
    expect(unchanged.headers.get('etag')).toBe(first.headers.get('etag'));

    // Then one event's title changed in place: the stored bytes keep their length.
    const stepId = `s${Math.floor(seq / 2)}`;
    const before = `"title":"Call ${stepId}"`;
    const edited = text.replace(before, `"title":"Call ${'x'.repeat(stepId.length)}"`);
    expect(edited).not.toBe(text);
    expect(packed(edited).buffer.length).toBe(packed(text).buffer.length);
    await docs.replaceOne({ _id: id }, { ...doc, events: packed(edited) });
    // A full page the API read and checked is answered from memory until a read of the store (verify) meets the edit.
    if (collection === 'timeline_pages') expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ ok: false, firstBad: { seq, problem: 'edited' } });

    const again = await api.get(`/runs/${runId}/timeline`);
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).not.toBe(first.headers.get('etag')); // a client's cached copy is stale
    expect((again.body.events as Json[]).find((e) => e.seq === seq).detail.title).toBe(`Call ${'x'.repeat(stepId.length)}`);
    expect(again.body.events).toEqual(JSON.parse(JSON.stringify((await readTimeline(lb.store.db, runId)).events)));
    expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ ok: false, firstBad: { seq, problem: 'edited' } });
  });

  it('answers the events before a deleted batch of the open page, and verify names the first missing event', async () => {
    const runId = await longRun();
    expect((await api.get(`/runs/${runId}/timeline`)).body.events).toHaveLength(1_200);
    expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ ok: true });
    const tail = (await lb.store.db.collection<Doc>('timeline_heads').findOne({ _id: runId }))!.tail!;
    expect(tail.length).toBeGreaterThan(1);
    const gone = (await batches().findOne({ _id: tail[1]!.id }))!;
    const firstGone = (JSON.parse(stored(gone)) as Array<{ seq: number }>)[0]!.seq;
    await batches().deleteOne({ _id: gone._id });

    const events = (await api.get(`/runs/${runId}/timeline`)).body.events as Json[];
    expect(events.map((e) => e.seq)).toEqual(range(1, firstGone - 1));
    expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ ok: false, firstBad: { seq: firstGone, problem: 'missing' } });
  });
});

// A full page never changes once written: the next page's (or the head's) link to its last hash fixes it. The timeline
// read takes the full pages this API process read and checked from memory, and reads the head and the open page from
// the store; verify reads every document from the store, every time.
describe('a sealed page edited in the store after the API read it', () => {
  type Doc = { _id: string; events: Binary; tail?: Array<{ id: string }> };
  const collection = (name: string) => lb.store.db.collection<Doc>(name);
  const editStored = async (name: string, id: string, edit: (events: Array<Record<string, unknown>>) => void) => {
    const doc = (await collection(name).findOne({ _id: id }))!;
    const events = JSON.parse(inflateSync(doc.events.buffer).toString('utf8')) as Array<Record<string, unknown>>;
    edit(events);
    await collection(name).replaceOne({ _id: id }, { ...doc, events: new Binary(deflateSync(JSON.stringify(events))) });
  };
  const edited = { action: 'http', title: 'Call nobody' };
  const timeline = async (runId: string) => (await api.get(`/runs/${runId}/timeline`)).body.events as Json[];

  it('is reported by verify on every call, and the next timeline read shows a new event at once', async () => {
    const runId = `reads-sealed-${randomUUID()}`;
    await append(runId, 1, 2_100);
    await finish(runId, 2_100);
    const first = await timeline(runId);
    expect(first).toHaveLength(2_100);

    // Someone with database access changes event 500 (the first page, sealed by event 1,001's link to it); the run goes on.
    await editStored('timeline_pages', `${runId}/000000`, (events) => {
      events.find((e) => e.seq === 500)!.detail = edited;
    });
    await appendTimelineEvents(lb.store.db, runId, [event(2_101)]);

    const next = await timeline(runId);
    expect(next.map((e) => e.seq)).toEqual(range(1, 2_101));
    expect(next[499]!.detail).toEqual(first[499]!.detail); // the page as this process read and checked it
    for (let round = 0; round < 2; round++) {
      expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ ok: false, events: 2_101, firstBad: { seq: 500, problem: 'edited' } });
    }
    // A read of the store met the edit: the timeline now answers what is stored.
    expect((await timeline(runId))[499]!.detail).toEqual(edited);
  });

  it('reads every page from the store again once what follows a held page no longer links to it', async () => {
    const runId = `reads-relinked-${randomUUID()}`;
    await append(runId, 1, 1_200);
    await finish(runId, 1_200);
    expect(await timeline(runId)).toHaveLength(1_200);

    // The chain is changed from the held page on: event 6 in it, and event 1,001's link in the open page's first batch.
    await editStored('timeline_pages', `${runId}/000000`, (events) => {
      events.find((e) => e.seq === 6)!.detail = edited;
    });
    const tail = (await collection('timeline_heads').findOne({ _id: runId }))!.tail!;
    await editStored('timeline_batches', tail[0]!.id, (events) => {
      events.find((e) => e.seq === 1_001)!.prevHash = 'f'.repeat(64);
    });

    const res = await api.get(`/runs/${runId}/timeline`);
    expect(res.status).toBe(200);
    const events = res.body.events as Json[];
    expect(events.map((e) => e.seq)).toEqual(range(1, 1_200));
    expect(events[5]!.detail).toEqual(edited);
    expect(events[1_000]!.prevHash).toBe('f'.repeat(64));
    expect(events).toEqual(JSON.parse(JSON.stringify((await readTimeline(lb.store.db, runId)).events)));
  });
});

describe('GET /runs/:id/events with Last-Event-ID', () => {
  it('sends only the events after it, none lost across a page boundary while the run appends', async () => {
    const runId = `reads-sse-${randomUUID()}`;
    await append(runId, 1, 985);
    let received = 0;
    const reading = readSse(`${lb.url}/runs/${runId}/events`, { ...auth, 'last-event-id': '980' }, (m) => ((received = m.length), false));
    // Once the stream has sent what was stored, the run appends across the page boundary at event 1,000, then ends.
    await waitFor(
      'the stream to send events 981..985',
      () => Promise.resolve(received),
      (n) => n >= 5,
    );
    await append(runId, 986, 1_030);
    await finish(runId, 1_030);
    const stream = await reading;
    expect(stream.closedByServer).toBe(true);
    const messages = stream.messages.filter((m) => m.event === 'message');
    expect(messages.map((m) => Number(m.id))).toEqual(range(981, 1_030));
    expect(messages.map((m) => (JSON.parse(m.data) as { seq: number }).seq)).toEqual(range(981, 1_030));
    expect(stream.messages[stream.messages.length - 1]).toMatchObject({ event: 'end' });
  });
});

describe('GET /runs/:id of a finished run', () => {
  it('answers its final state from the store once the workflow history is gone and Temporal is unreachable', async () => {
    const run = await startRun(lb, { steps: [{ id: 'pause', action: 'wait', with: { duration: '10ms' } }] }, { mode: 'drill' });
    const final = await run.result();
    expect(final.status).toBe('completed');
    const before = (await api.get(`/runs/${run.runId}`)).body;
    expect(before).toMatchObject({ runId: run.runId, status: 'completed', state: { status: 'completed' } });

    // As the API would answer with a Temporal that no longer has the run (past the namespace's retention: a fresh
    // server), then with no Temporal at all.
    const home = mkdtempSync(path.join(tmpdir(), 'lifeboat-reads-'));
    const empty = await startPlainTemporal(home);
    try {
      const forgot = new Client({ connection: await Connection.connect({ address: empty.address }) });
      const gone = new RunService({ client: forgot, db: lb.store.db, taskQueue: lb.taskQueue, signer: lb.signer });
      await expect(forgot.workflow.getHandle(run.runId).describe()).rejects.toThrow(/not found/i);
      const read = await gone.get(run.runId);
      expect({ ...read.record, state: read.state }).toEqual(before);
      await forgot.connection.close();
    } finally {
      await empty.stop();
    }
    const nowhere = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    const offline = new RunService({ client: nowhere, db: lb.store.db, taskQueue: lb.taskQueue, signer: lb.signer });
    const read = await offline.get(run.runId);
    expect(read.state).toEqual(before.state);
    expect(read.record.status).toBe('completed');
  });
});
