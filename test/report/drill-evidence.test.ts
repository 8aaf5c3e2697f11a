// The third "Done when": a drill with criteria, participants, a skipped step, an override, findings with
// owners and a sign-off produces a report carrying each section; and the sign-off's promises, attacked.
import { createHash } from 'node:crypto';
import { main } from '../../cli/main';
import { canonicalJson } from '../../model/hash';
import { RunReport } from '../../report/types';
import { saveRun } from '../../store/runs';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startTarget } from '../harness/runs';
import { clientWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let target: Awaited<ReturnType<typeof startTarget>>;
let admin: ReturnType<typeof apiClient>;
let runbook: string;
let runId: string;
let earlierRunId: string;
const as = {} as Record<'bob' | 'carol' | 'dave' | 'eve' | 'rita', ReturnType<typeof apiClient>>;
const patch = (who: ReturnType<typeof apiClient>, path: string, body: unknown) => who.raw('PATCH', path, body);
const report = async (): Promise<RunReport> => RunReport.parse((await admin.get(`/runs/${runId}/report`)).body);
const UNSIGNED = ['generatedAt', 'trend', 'programme', 'openActions', 'reviewerSignOff'];
const hashOf = (r: Json) =>
  createHash('sha256')
    .update(canonicalJson(Object.fromEntries(Object.entries(r).filter(([k]) => !UNSIGNED.includes(k)))))
    .digest('hex');

beforeAll(async () => {
  lb = await startTestLifeboat();
  target = await startTarget(() => ({ status: 200, body: { lag: 3 } }));
  admin = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
  as.bob = await clientWith(lb, ['operator', 'dba'], 'bob');
  as.carol = await clientWith(lb, ['operator'], 'carol');
  as.dave = await clientWith(lb, ['operator'], 'dave');
  as.eve = await clientWith(lb, ['operator'], 'eve');
  as.rita = await clientWith(lb, ['reviewer'], 'rita');
  runbook = await registerRunbook(lb, {
    id: 'evidence-drill',
    objectives: { rto: '5m', rpo: '1m', rpoFrom: 'steps.probe.outputs.lag' },
    scenario: 'The primary region is lost; the replica takes over.',
    successCriteria: [
      { statement: 'The replica is caught up.', condition: 'steps.probe.outputs.lag < 10' },
      { statement: 'DNS is switched.', step: 'dns' },
      { statement: 'Service is verified.', step: 'verify' },
      { statement: 'Everyone knew their role.' },
    ],
    drill: { every: '90d' },
    steps: [
      { id: 'probe', action: 'http', with: { url: `${target.url}/replica` }, outputs: { lag: 'body.lag' } },
      { id: 'approve', action: 'approval', needs: ['probe'], with: { approvers: ['dba'], instructions: 'Promote?' } },
      { id: 'dns', action: 'http', drill: 'skip', needs: ['approve'], with: { method: 'POST', url: `${target.url}/dns` } },
      { id: 'verify', action: 'wait', needs: ['dns'], with: { duration: '50ms' } },
    ],
  });
  // An earlier drill of the same runbook with a corrective action still open.
  earlierRunId = `${runbook}-earlier`;
  await saveRun(lb.store.db, {
    runId: earlierRunId,
    runbookId: runbook,
    version: 1,
    hash: 'h',
    mode: 'drill',
    status: 'completed',
    requester: 'carol',
    trigger: { kind: 'api', by: 'carol' },
    parameters: {},
    startedAt: '2026-06-01T03:00:00.000Z',
    finishedAt: '2026-06-01T03:05:00.000Z',
  });
  expect((await as.carol.post(`/runs/${earlierRunId}/findings`, { title: 'Runbook lacks the DNS rollback', severity: 'medium', owner: 'carol', due: '2026-07-01' })).status).toBe(
    201,
  );

  const started = await admin.post('/runs', { runbook, mode: 'drill' });
  runId = started.body.runId;
  await waitFor(
    `${runId} to wait at approve`,
    async () => (await admin.get(`/runs/${runId}`)).body,
    (r: Json) => r.state?.waitingFor?.some((w: Json) => w.stepId === 'approve'),
  );
  // Signing a run that is still going is refused.
  expect((await as.rita.post(`/runs/${runId}/signoff`, { comment: 'too early' })).status).toBe(409);
  expect((await as.bob.post(`/runs/${runId}/steps/approve/skip`, { reason: 'approver on leave; change board agreed' })).status).toBe(200);
  await waitFor(
    `${runId} to end`,
    async () => (await admin.get(`/runs/${runId}`)).body,
    (r: Json) => r.status !== 'running',
  );
  expect((await as.carol.post(`/runs/${runId}/findings`, { title: 'Approver unreachable', severity: 'high', owner: 'dave', due: '2027-01-31' })).status).toBe(201);
  expect((await as.rita.post(`/runs/${runId}/findings`, { title: 'DNS step never rehearsed', severity: 'medium', owner: 'carol', due: '2027-02-28' })).status).toBe(201);
});
afterAll(async () => {
  await target?.close();
  await lb?.stop();
});

describe('reviewer sign-off', () => {
  it('refuses a signer without the reviewer role', async () => {
    const res = await as.carol.post(`/runs/${runId}/signoff`, { comment: 'looks fine' });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses the requester signing their own run, even holding every role', async () => {
    const res = await admin.post(`/runs/${runId}/signoff`, { comment: 'I ran it and it was fine' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ rule: 'independent-review' });
  });

  it('signs the hash of the report content, once', async () => {
    const before = (await admin.get(`/runs/${runId}/report`)).body;
    const signed = await as.rita.post(`/runs/${runId}/signoff`, { comment: 'Criteria reviewed; F1 before the next drill.' });
    expect(signed.status).toBe(201);
    expect(signed.body).toMatchObject({ reviewer: 'rita', changedAfterSignOff: false, changed: [] });
    expect(signed.body.contentHash).toBe(hashOf(before));
    expect(signed.body.currentHash).toBe(signed.body.contentHash);
    const again = await as.rita.post(`/runs/${runId}/signoff`, { comment: 'again' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('signed off already by rita');
  });

  it("refuses an operator's change to someone else's finding", async () => {
    const res = await patch(as.eve, `/runs/${runId}/findings/F2`, { status: 'accepted-risk' });
    expect(res.status).toBe(403);
    expect(res.body.rule).toBe('finding-owner');
  });

  it('shows a finding changed after sign-off: the signed hash stays, the current one moves', async () => {
    const signed = (await admin.get(`/runs/${runId}/signoff`)).body;
    expect((await patch(as.dave, `/runs/${runId}/findings/F1`, { status: 'done', note: 'second approver added' })).status).toBe(200);
    const now = await report();
    expect(now.reviewerSignOff).toMatchObject({ contentHash: signed.contentHash, changedAfterSignOff: true, changed: ['findings'] });
    expect(now.reviewerSignOff?.currentHash).not.toBe(signed.contentHash);
    expect(now.reviewerSignOff?.currentHash).toBe(hashOf(now));
    const html = await (await fetch(`${lb.url}/runs/${runId}/report`, { headers: { authorization: `Bearer ${lb.adminToken}`, accept: 'text/html' } })).text();
    expect(html).toContain('changed after sign-off');
  });

  it('lifeboat signoff show says the report changed after sign-off', async () => {
    const out = { stdout: '', stderr: '' };
    const io = {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
      env: { LIFEBOAT_URL: lb.url, LIFEBOAT_TOKEN: lb.adminToken },
    };
    expect(await main(['signoff', 'show', runId], io)).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ reviewer: 'rita', changedAfterSignOff: true });
    expect(out.stderr).toBe(`the report of run ${runId} changed after sign-off: findings\n`);
    expect(await main(['signoff', 'sign', runId, '--comment', 'mine'], io)).toBe(1);
    expect(out.stderr).toContain('403 admin started run');
  });
});

describe('the report of a drill with criteria, participants, a skip, an override, findings and a sign-off', () => {
  let r: RunReport;
  let html: string;
  beforeAll(async () => {
    r = await report();
    html = await (await fetch(`${lb.url}/runs/${runId}/report`, { headers: { authorization: `Bearer ${lb.adminToken}`, accept: 'text/html' } })).text();
  });

  it('states the scenario', () => {
    expect(r.scenario).toBe('The primary region is lost; the replica takes over.');
    expect(html).toContain('<h2>Scenario</h2><p>The primary region is lost; the replica takes over.</p>');
  });

  it('gives each success criterion its verdict and why', () => {
    expect(r.criteria.map((c) => [c.statement, c.verdict])).toEqual([
      ['The replica is caught up.', 'met'],
      ['DNS is switched.', 'not-met'],
      ['Service is verified.', 'met'],
      ['Everyone knew their role.', 'not-evaluated'],
    ]);
    expect(r.criteria[1]!.reason).toBe('step dns ended skipped; needed succeeded');
    expect(html).toContain('Success criteria');
    expect(html).toMatch(/DNS is switched\.<\/td><td><span class="badge bad">not met/);
  });

  it('lists the participants and what they did', () => {
    expect(r.participants).toEqual(
      expect.arrayContaining([
        { who: 'admin', did: ['started the run'] },
        { who: 'bob', did: expect.arrayContaining(['approval.overridden (approve)']) },
      ]),
    );
    expect(html).toContain('approval.overridden (approve)');
  });

  it('shows the skipped steps and the override as deviations', () => {
    expect(r.skipped.map((s) => s.stepId).sort()).toEqual(['approve', 'dns']);
    expect(r.failures).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'approval.overridden', stepId: 'approve', error: expect.stringContaining('approver on leave') })]),
    );
  });

  it('gives the RPO achieved against its target, with the margin', () => {
    expect(r.rpo).toEqual({ targetMs: 60_000, achievedMs: 3000, marginMs: 57_000, met: true, from: 'steps.probe.outputs.lag' });
    expect(html).toContain('RPO met');
  });

  it('lists the findings with owners and their history', () => {
    expect(r.findings.map((f) => [f.id, f.owner, f.status, f.createdBy])).toEqual([
      ['F1', 'dave', 'done', 'carol'],
      ['F2', 'carol', 'open', 'rita'],
    ]);
    expect(r.findings[0]!.history.map((h) => h.by)).toEqual(['carol', 'dave']);
    expect(html).toContain('F1 — Approver unreachable');
  });

  it('carries the open actions of the earlier drill, and the programme', () => {
    expect(r.openActions.map((f) => [f.runId, f.id, f.title])).toEqual([[earlierRunId, 'F1', 'Runbook lacks the DNS rollback']]);
    expect(html).toContain('Runbook lacks the DNS rollback');
    expect(r.programme).toMatchObject({ every: '90d', previous: { runId: earlierRunId, status: 'completed' } });
    expect(Date.parse(r.programme.nextDueAt!) - Date.parse(r.startedAt)).toBe(90 * 86_400_000);
  });

  it('carries the sign-off', () => {
    expect(r.reviewerSignOff).toMatchObject({ reviewer: 'rita', comment: 'Criteria reviewed; F1 before the next drill.' });
    expect(html).toContain('Reviewer sign-off');
    expect(html).toContain(r.reviewerSignOff!.contentHash);
  });
});

describe('the drill programme', () => {
  it("shows the drill as the runbook's last, when the next is due, and every action still open", async () => {
    const res = await admin.get(`/programme?runbook=${runbook}`);
    expect(res.status).toBe(200);
    const [entry] = res.body.runbooks;
    expect(entry).toMatchObject({ every: '90d', overdue: false, lastDrill: { runId, status: 'completed' }, nextDue: { by: 'cadence', at: (await report()).programme.nextDueAt } });
    // F1 of this run was closed after the sign-off; F2 of this run and F1 of the earlier drill are still open.
    expect(entry.openActions.items.map((a: Json) => [a.runId, a.id, a.owner])).toEqual([
      [earlierRunId, 'F1', 'carol'],
      [runId, 'F2', 'carol'],
    ]);
  });
});
