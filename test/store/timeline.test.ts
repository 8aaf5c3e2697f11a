import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../../model/hash';
import { connectStore, type Store } from '../../store/connection';
import { appendTimelineEvents, readTimeline, verifyTimeline } from '../../store/timeline';
import { TimelineEventType } from '../../timeline/event';
import { exampleEvent } from '../timeline/examples';

let store: Store;
beforeAll(async () => {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: the suite\'s globalSetup should have set it');
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
    await tamper(runId, seq, (e) => { e.detail = JSON.stringify({ error: 500, final: true }); });
    await expect(readTimeline(store.db, runId)).rejects.toThrow(`timeline of run ${runId}: stored event ${seq} (step.failed) does not match its type: detail.error: Invalid input: expected string, received number`);
    expect(await verifyTimeline(store.db, runId)).toEqual({
      ok: false, events: seq - 1, firstBad: { seq, problem: 'malformed', message: expect.stringContaining(`stored event ${seq} (step.failed)`) },
    });
  });

  it('report an edit that keeps the shape as an edit', async () => {
    const { runId } = await runWithEveryEvent();
    const seq = TimelineEventType.options.indexOf('step.failed') + 1;
    await tamper(runId, seq, (e) => { e.detail = JSON.stringify({ error: 'all fine', final: true }); });
    expect((await verifyTimeline(store.db, runId)).firstBad).toMatchObject({ seq, problem: 'edited' });
  });
});
