import path from 'node:path';
import type { Lifeboat } from '../../servers/lifeboat';
import { syncRunbooks } from '../../store/sync';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { waitForMail } from '../harness/mail';
import { waitFor } from '../harness/wait';

let lb: Lifeboat & { adminToken: string };
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  api = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
  await syncRunbooks(lb.store.db, path.resolve(__dirname, '../../runbooks'));
});
afterAll(async () => {
  await lb?.stop();
});

describe('hello-drill end to end', () => {
  it('runs the wait and notify steps, records the timeline and delivers the mail', async () => {
    const res = await api.post('/runs', { runbook: 'hello-drill', mode: 'drill' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ runbook: 'hello-drill', version: expect.any(Number), mode: 'drill' });
    const runId: string = res.body.runId;
    expect(res.headers.get('location')).toBe(`/runs/${runId}`);

    const run = await waitFor(
      `run ${runId} to end`,
      async () => (await api.get(`/runs/${runId}`)).body,
      (r) => r.status !== 'running',
      30_000,
    );
    expect(run.status).toBe('completed');
    expect(run.state.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['pause', 'succeeded'],
      ['notify', 'succeeded'],
    ]);
    expect(run.recovery.achievedMs).toBeGreaterThanOrEqual(2000);
    expect(run.recovery.breached).toBe(false);

    const { body: timeline } = await api.get(`/runs/${runId}/timeline`);
    const events = timeline.events.map((e: { seq: number; type: string; stepId?: string }) => [e.seq, e.type, e.stepId ?? null]);
    expect(events).toEqual([
      [1, 'run.started', null],
      [2, 'step.started', 'pause'],
      [3, 'step.succeeded', 'pause'],
      [4, 'step.started', 'notify'],
      [5, 'notification.sent', 'notify'],
      [6, 'step.succeeded', 'notify'],
      [7, 'recovery.achieved', null],
      [8, 'run.completed', null],
    ]);
    expect(Date.parse(timeline.events[2].at) - Date.parse(timeline.events[1].at)).toBeGreaterThanOrEqual(2000);

    expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ ok: true, events: 8, anchor: { source: 'Temporal', final: true, seq: 8, signature: 'valid' } });

    // The notify step's email is evidence: the report lists it, with its delivery status.
    const report = await api.get(`/runs/${runId}/report`);
    expect(report.body.notifications).toEqual([
      expect.objectContaining({ event: 'step.notify', stepId: 'notify', channel: 'email', target: 'dr-team@example.com', sent: true, tries: 1, delivery: 'sent' }),
    ]);
    const html = await api.get(`/runs/${runId}/report`, { accept: 'text/html' });
    expect(html.body).toContain('dr-team@example.com');
    expect(html.body).not.toContain('No notifications were sent');

    const [mail] = await waitForMail((m) => (m.subject ?? '').includes(runId));
    expect(mail!.subject).toBe(`[DRILL] Hello drill ${runId}`);
    expect(mail!.envelopeTo).toEqual(['dr-team@example.com']);
    expect(mail!.text).toContain('in drill mode');
  });
});

describe('POST /runs rejects bad input with problem+json', () => {
  it('answers 404 for an unknown runbook', async () => {
    const res = await api.post('/runs', { runbook: 'no-such-runbook', mode: 'drill' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 404, title: 'Not Found' });
    expect(res.body.detail).toContain('no-such-runbook');
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await api.post('/runs', '{"runbook": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.detail).toMatch(/not valid JSON/);
  });

  it('answers 400 listing every missing field', async () => {
    const res = await api.post('/runs', {});
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.mode', 'body.runbook']);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await api.raw('POST', '/runs', 'runbook=hello-drill', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 404 problem+json for an unknown route', async () => {
    const res = await api.get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe('no route GET /nope');
  });
});

describe('GET /health', () => {
  it('reports Temporal and MongoDB up', async () => {
    const res = await api.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'up', temporal: { status: 'up' }, mongodb: { status: 'up' } });
  });
});
