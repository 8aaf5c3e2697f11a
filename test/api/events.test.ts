import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventsRouter } from '../../api/routes/events';
import { followTimeline } from '../../runs/follow';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { startRun } from '../harness/runs';
import { readSse } from '../harness/sse';
import { clientWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

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

const waits = { steps: ['a', 'b', 'c'].map((id, i, all) => ({ id, action: 'wait', with: { duration: '150ms' }, ...(i > 0 ? { needs: [all[i - 1]] } : {}) })) };
const approval = { steps: [{ id: 'go', action: 'approval', with: { approvers: ['dba'] } }] };

describe('GET /runs/:id/events', () => {
  it('sends every event in order, then follows the run and ends with it', async () => {
    const run = await startRun(lb, waits, { mode: 'drill' });
    const stream = await readSse(`${lb.url}/runs/${run.runId}/events`, auth);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    expect(stream.closedByServer).toBe(true);

    const timeline = (await api.get(`/runs/${run.runId}/timeline`)).body.events as Json[];
    const events = stream.messages.filter((m) => m.event === 'message');
    expect(events.map((m) => Number(m.id))).toEqual(timeline.map((e) => e.seq));
    expect(events.map((m) => JSON.parse(m.data))).toEqual(timeline);
    expect(timeline.map((e) => e.type)).toContain('step.succeeded');
    expect(stream.messages[stream.messages.length - 1]).toEqual({ event: 'end', data: JSON.stringify({ runId: run.runId, status: 'completed' }), id: String(timeline.length) });
  });

  it('resumes after Last-Event-ID', async () => {
    const run = await startRun(lb, waits);
    const ended = await run.result();
    expect(ended.status).toBe('completed');
    const stream = await readSse(`${lb.url}/runs/${run.runId}/events`, { ...auth, 'last-event-id': '3' });
    const seqs = stream.messages.filter((m) => m.event === 'message').map((m) => JSON.parse(m.data).seq);
    const total = (await run.events()).length;
    expect(seqs).toEqual(Array.from({ length: total - 3 }, (_, i) => i + 4));
    expect(stream.messages[stream.messages.length - 1]!.event).toBe('end');
  });

  it('answers viewers, 404 for an unknown run and 400 for a malformed Last-Event-ID', async () => {
    const viewer = await clientWith(lb, ['viewer']);
    const run = await startRun(lb, waits);
    await run.result();
    expect((await viewer.get(`/runs/${run.runId}/events`)).status).toBe(200);
    expect((await api.get('/runs/no-such-run/events')).status).toBe(404);
    const bad = await api.get(`/runs/${run.runId}/events`, { 'last-event-id': 'seven' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('headers.Last-Event-ID');
  });

  it('sends heartbeat comments while the run waits', async () => {
    const run = await startRun(lb, approval);
    // The same router with short intervals, behind a stand-in for authentication.
    const app = express();
    app.use((req, _res, next) => {
      req.principal = { subject: 'test', roles: ['viewer'] };
      next();
    });
    app.use(eventsRouter({ db: lb.store.db, client: lb.client }, { pollMs: 20, heartbeatMs: 20 }));
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const stream = await readSse(
        `http://127.0.0.1:${port}/runs/${run.runId}/events`,
        {},
        (m, raw) => m.some((x) => x.data.includes('approval.requested')) && raw.includes('\n: heartbeat\n'),
      );
      expect(stream.closedByServer).toBe(false);
      expect(stream.messages.map((m) => JSON.parse(m.data).type)).toContain('approval.requested');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await run.handle.terminate('test done');
    }
  });
});

describe('followTimeline', () => {
  it('stops polling once its signal aborts', async () => {
    const run = await startRun(lb, approval);
    await waitFor('the approval request to be stored', run.events, (events) => events.some((e) => e.type === 'approval.requested'));
    const stop = new AbortController();
    const follow = followTimeline({ db: lb.store.db, client: lb.client }, run.runId, { afterSeq: 0, pollMs: 60_000, signal: stop.signal });
    const first = await follow.next();
    expect(first.value).toMatchObject({ kind: 'event', event: { seq: 1, type: 'run.started' } });
    let next = await follow.next();
    while (!next.done && next.value.kind === 'event' && next.value.event.type !== 'approval.requested') next = await follow.next();
    expect(next.value).toMatchObject({ kind: 'event', event: { type: 'approval.requested' } });
    // Every stored event is given: the next step is a 60 s poll wait, which aborting ends at once.
    const pending = follow.next();
    stop.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    await run.handle.terminate('test done');
  });
});
