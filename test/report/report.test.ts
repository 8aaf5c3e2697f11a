import { RunReport } from '../../report/types';
import type { RunRecord } from '../../contract/run';
import { saveRun } from '../../store/runs';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startTarget } from '../harness/runs';
import { clientWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let target: Awaited<ReturnType<typeof startTarget>>;
let api: ReturnType<typeof apiClient>;
let runbook: string;
let runId: string;

const SECRET = 'hunter2-do-not-print';

/** A drill with every section of the report: a failing retried step, an approval, a simulated and a skipped step, a manual task and mail. */
async function runDrill(): Promise<string> {
  runbook = await registerRunbook(lb, {
    id: 'report',
    objectives: { rto: '5m' },
    recovery: { endsAt: 'verify' },
    parameters: { region: { type: 'string', default: 'eu' }, dbPassword: { type: 'string', required: true }, apiToken: { type: 'string', default: SECRET } },
    notifications: [{ channel: 'email', recipients: ['dr-team@example.com'], events: ['approval.requested', 'run.completed'] }],
    steps: [
      { id: 'probe', action: 'http', with: { url: `${target.url}/down` }, retry: { attempts: 2, backoff: '50ms' }, onFailure: 'continue', expected: '10s' },
      { id: 'approve', action: 'approval', with: { approvers: ['dba'], instructions: 'Approve <b>only</b> if the probe is red' }, needs: ['probe'] },
      { id: 'fence', action: 'http', drill: 'simulate', with: { method: 'POST', url: `${target.url}/fence` }, needs: ['approve'] },
      { id: 'dns', action: 'http', drill: 'skip', with: { method: 'POST', url: `${target.url}/dns` }, needs: ['approve'] },
      { id: 'confirm', action: 'manual', with: { instructions: 'Check the dashboard' }, needs: ['fence', 'dns'] },
      { id: 'verify', action: 'wait', with: { duration: '50ms' }, expected: '1m', needs: ['confirm'] },
    ],
  });
  const started = await api.post('/runs', { runbook, mode: 'drill', parameters: { region: 'us', dbPassword: SECRET } });
  expect(started.status).toBe(201);
  const id: string = started.body.runId;
  const waitingAt = (stepId: string) =>
    waitFor(
      `${id} to wait at ${stepId}`,
      async () => (await api.get(`/runs/${id}`)).body,
      (r: Json) => r.state?.waitingFor?.some((w: Json) => w.stepId === stepId),
    );
  await waitingAt('approve');
  const dba = await clientWith(lb, ['dba'], 'bob');
  expect((await dba.post(`/runs/${id}/steps/approve/approve`, { comment: 'probe is red <script>alert(1)</script>' })).status).toBe(200);
  await waitingAt('confirm');
  const operator = await clientWith(lb, ['operator'], 'carol');
  expect((await operator.post(`/runs/${id}/steps/confirm/complete`, { outcome: 'done', note: 'dashboard green', evidence: ['https://grafana.example.com/d/1'] })).status).toBe(200);
  await waitFor(
    `${id} to end`,
    async () => (await api.get(`/runs/${id}`)).body,
    (r: Json) => r.status !== 'running',
  );
  return id;
}

/** Earlier drills (and one recovery) of the same runbook, older than the real one, for the trend. */
async function seedHistory(): Promise<void> {
  const base: Omit<RunRecord, 'runId' | 'startedAt' | 'mode' | 'recovery'> = {
    runbookId: runbook,
    version: 1,
    hash: 'h',
    status: 'completed',
    requester: 'schedule:weekly',
    trigger: { kind: 'schedule', by: 'weekly' },
    parameters: {},
  };
  for (let i = 1; i <= 11; i++) {
    await saveRun(lb.store.db, {
      ...base,
      runId: `${runbook}-past-${i}`,
      mode: 'drill',
      startedAt: `2026-01-${String(i).padStart(2, '0')}T03:00:00.000Z`,
      recovery: { targetMs: 300_000, achievedMs: 60_000 * i, breached: 60_000 * i > 300_000 },
    });
  }
  await saveRun(lb.store.db, { ...base, runId: `${runbook}-recovery`, mode: 'recovery', startedAt: '2026-01-20T03:00:00.000Z', recovery: { achievedMs: 1 } });
}

beforeAll(async () => {
  lb = await startTestLifeboat();
  target = await startTarget((path) => ({ status: path === '/down' ? 503 : 200 }));
  api = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
  runId = await runDrill();
  await seedHistory();
});
afterAll(async () => {
  await target?.close();
  await lb?.stop();
});

describe('GET /runs/:id/report as JSON', () => {
  let report: RunReport;
  beforeAll(async () => {
    const res = await api.get(`/runs/${runId}/report`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    report = RunReport.parse(res.body);
  });

  it('names the runbook version, mode, trigger and outcome', async () => {
    const run = (await api.get(`/runs/${runId}`)).body;
    expect(report).toMatchObject({
      runId,
      runbook: { id: runbook, version: 1, hash: run.hash },
      mode: 'drill',
      status: 'completed',
      requester: 'admin',
      trigger: { kind: 'api', by: 'admin' },
    });
  });

  it('redacts parameters whose names look secret and never shows their values', () => {
    expect(report.parameters).toEqual([
      { name: 'region', value: 'us', redacted: false },
      { name: 'dbPassword', redacted: true },
      { name: 'apiToken', redacted: true },
    ]);
    expect(JSON.stringify(report)).not.toContain(SECRET);
  });

  it('compares the achieved recovery time with the RTO', () => {
    expect(report.recovery).toMatchObject({ targetMs: 300_000, breached: false });
    expect(report.recovery.achievedMs).toBeGreaterThan(0);
  });

  it('lists each step with its expected and actual duration and attempts', () => {
    const steps = Object.fromEntries(report.steps.map((s) => [s.id, s]));
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ['probe', 'failed'],
      ['approve', 'succeeded'],
      ['fence', 'simulated'],
      ['dns', 'skipped'],
      ['confirm', 'succeeded'],
      ['verify', 'succeeded'],
    ]);
    expect(steps.probe).toMatchObject({ attempts: 2, expectedMs: 10_000, expectedBasis: 'expected', error: expect.stringContaining('503') });
    expect(steps.verify).toMatchObject({ attempts: 1, expectedMs: 60_000, actualMs: expect.any(Number) });
    expect(steps.verify!.actualMs).toBeGreaterThanOrEqual(50);
    expect(steps.fence).toMatchObject({ expectedMs: 0, attempts: 0 });
  });

  it('gives the reasons for skipped and simulated steps', () => {
    expect(report.skipped).toEqual([
      { stepId: 'fence', status: 'simulated', reason: 'drill: simulate' },
      { stepId: 'dns', status: 'skipped', reason: 'drill: skip' },
    ]);
  });

  it('records approvals and manual sign-offs with who, when and the comment', () => {
    expect(report.signOffs).toEqual([
      { kind: 'approval', stepId: 'approve', actor: 'bob', at: expect.any(String), outcome: 'granted', comment: 'probe is red <script>alert(1)</script>' },
      { kind: 'manual', stepId: 'confirm', actor: 'carol', at: expect.any(String), outcome: 'done', comment: 'dashboard green', evidence: ['https://grafana.example.com/d/1'] },
    ]);
  });

  it('lists the notifications sent and the failures', () => {
    expect(report.notifications.map((n) => [n.event, n.channel, n.sent])).toEqual([
      ['approval.requested', 'email', true],
      ['run.completed', 'email', true],
    ]);
    expect(report.failures.map((f) => [f.type, f.stepId, f.attempt])).toEqual([
      ['step.failed', 'probe', 1],
      ['step.failed', 'probe', 2],
    ]);
  });

  it('reports the timeline chain as verified', async () => {
    const timeline = (await api.get(`/runs/${runId}/timeline`)).body.events;
    expect(report.verification).toEqual({ ok: true, events: timeline.length, headHash: timeline[timeline.length - 1].hash });
  });

  it('shows the recovery-time trend of the newest ten drills of the runbook', () => {
    expect(report.trend).toHaveLength(10);
    expect(report.trend[0]).toMatchObject({ runId, status: 'completed', targetMs: 300_000 });
    expect(report.trend.slice(1).map((p) => [p.runId, p.achievedMs])).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3].map((i) => [`${runbook}-past-${i}`, 60_000 * i]));
  });
});

describe('GET /runs/:id/report as HTML', () => {
  let html: string;
  let res: Response;
  beforeAll(async () => {
    res = await fetch(`${lb.url}/runs/${runId}/report`, { headers: { authorization: `Bearer ${lb.adminToken}`, accept: 'text/html' } });
    html = await res.text();
  });

  it('is one self-contained printable page without scripts', () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
  });

  it('contains every section', () => {
    for (const title of [
      'Run',
      'Recovery time objective',
      'Parameters',
      'Steps: planned against actual',
      'Skipped and simulated steps',
      'Approvals and sign-offs',
      'Notifications',
      'Failures and deviations',
      'Timeline integrity',
      'Recovery time of recent drills',
    ]) {
      expect(html).toContain(`<h2>${title}</h2>`);
    }
    expect(html).toContain(`${runbook} version 1`);
    expect(html).toContain('RTO met');
    expect(html).toContain('chain verified');
    expect(html).toContain('dashboard green');
    expect(html).toContain(`${runId} (this run)`);
  });

  it('escapes what people wrote and leaves secrets out', () => {
    expect(html).toContain('probe is red &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain(SECRET);
    expect(html).toContain('(redacted)');
  });
});

describe('GET /runs/:id/report access', () => {
  it('answers viewers, and 404 for an unknown run', async () => {
    const viewer = await clientWith(lb, ['viewer']);
    expect((await viewer.get(`/runs/${runId}/report`)).status).toBe(200);
    expect((await viewer.get('/runs/no-such-run/report')).status).toBe(404);
    expect((await apiClient(lb.url).get(`/runs/${runId}/report`)).status).toBe(401);
  });
});
