import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../cli/main';
import type { RunRecord } from '../../contract/run';
import { saveRun } from '../../store/runs';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { drillRecord } from '../harness/records';
import { tokenWith } from '../harness/tokens';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
const client = async (roles: string[], subject: string) => {
  const { token } = await tokenWith(lb, roles, subject);
  return { api: apiClient(lb.url, { authorization: `Bearer ${token}` }), token };
};

/** A finished drill's record: findings need no more than that. */
async function endedRun(runbookId = `findings-${randomUUID().slice(0, 8)}`, startedAt = '2026-11-01T03:00:00.000Z'): Promise<RunRecord> {
  const record = drillRecord({ runbookId, startedAt, finishedAt: startedAt.replace('03:00', '03:05') });
  await saveRun(lb.store.db, record);
  return record;
}

const finding = { title: 'DNS TTL longer than the RTO allows', severity: 'high', owner: 'dave', due: '2027-01-31' };

beforeAll(async () => {
  lb = await startTestLifeboat();
});
afterAll(async () => {
  await lb?.stop();
});

describe('findings and corrective actions', () => {
  it('records a finding with who and when, and lists it with its history', async () => {
    const run = await endedRun();
    const { api } = await client(['operator'], 'carol');
    const added = await api.post(`/runs/${run.runId}/findings`, finding);
    expect(added.status).toBe(201);
    expect(added.headers.get('location')).toBe(`/runs/${run.runId}/findings/F1`);
    expect(added.body).toMatchObject({ id: 'F1', ...finding, status: 'open', createdBy: 'carol', runbookId: run.runbookId });
    expect(added.body.history).toEqual([{ revision: 1, at: added.body.createdAt, by: 'carol', set: { ...finding, status: 'open' } }]);
    const second = await api.post(`/runs/${run.runId}/findings`, { ...finding, title: 'Runbook step order unclear', severity: 'low' });
    expect(second.body.id).toBe('F2');
    const listed = await api.get(`/runs/${run.runId}/findings`);
    expect(listed.body.findings.map((f: Json) => f.id)).toEqual(['F1', 'F2']);
  });

  it('keeps every change: the owner closes it, a reviewer reopens it, nothing is overwritten', async () => {
    const run = await endedRun();
    const { api: carol } = await client(['operator'], 'carol');
    await carol.post(`/runs/${run.runId}/findings`, finding);
    const { api: dave } = await client(['operator'], 'dave');
    const done = await dave.raw('PATCH', `/runs/${run.runId}/findings/F1`, { status: 'done', note: 'TTL lowered to 60 s' });
    expect(done.status).toBe(200);
    const { api: rita } = await client(['reviewer'], 'rita');
    const reopened = await rita.raw('PATCH', `/runs/${run.runId}/findings/F1`, { status: 'open', due: '2027-02-15', note: 'not verified in a drill yet' });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ status: 'open', due: '2027-02-15', createdBy: 'carol', updatedBy: 'rita' });
    expect(reopened.body.history.map((h: Json) => [h.revision, h.by, h.set, h.note])).toEqual([
      [1, 'carol', { ...finding, status: 'open' }, undefined],
      [2, 'dave', { status: 'done' }, 'TTL lowered to 60 s'],
      [3, 'rita', { status: 'open', due: '2027-02-15' }, 'not verified in a drill yet'],
    ]);
  });

  it("refuses an operator's change to someone else's finding, with the rule", async () => {
    const run = await endedRun();
    const { api: carol } = await client(['operator'], 'carol');
    await carol.post(`/runs/${run.runId}/findings`, finding);
    const { api: eve } = await client(['operator'], 'eve');
    const res = await eve.raw('PATCH', `/runs/${run.runId}/findings/F1`, { status: 'accepted-risk' });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ rule: 'finding-owner' });
    expect(res.body.detail).toContain('eve may not change finding F1');
    expect((await carol.get(`/runs/${run.runId}/findings/F1`)).body).toMatchObject({ status: 'open', history: [expect.anything()] });
  });

  it('lets only operators and reviewers record findings', async () => {
    const run = await endedRun();
    for (const roles of [['viewer'], ['author'], ['dba']]) {
      const { api } = await client(roles, `x-${roles[0]}`);
      const res = await api.post(`/runs/${run.runId}/findings`, finding);
      expect(res.status).toBe(403);
      expect(res.body.detail).toContain('operator or reviewer');
    }
    const { api: rita } = await client(['reviewer'], 'rita');
    expect((await rita.post(`/runs/${run.runId}/findings`, finding)).status).toBe(201);
  });

  it('names every invalid field, and 404s an unknown run or finding', async () => {
    const run = await endedRun();
    const { api } = await client(['operator'], 'carol');
    const bad = await api.post(`/runs/${run.runId}/findings`, { title: '', severity: 'huge', owner: 'dave', due: '31/01/2027', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: Json) => i.path).sort()).toEqual(['body', 'body.due', 'body.severity', 'body.title']);
    expect((await api.raw('PATCH', `/runs/${run.runId}/findings/F1`, { status: 'done' })).status).toBe(404);
    await api.post(`/runs/${run.runId}/findings`, finding);
    const empty = await api.raw('PATCH', `/runs/${run.runId}/findings/F1`, { note: 'only a note' });
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toContain('change at least one of');
    expect((await api.post('/runs/no-such-run/findings', finding)).status).toBe(404);
    expect((await api.get(`/runs/${run.runId}/findings/F9`)).status).toBe(404);
  });

  it('loses no change when several people change one finding at the same moment', async () => {
    const run = await endedRun();
    const { api: rita } = await client(['reviewer'], 'rita');
    await rita.post(`/runs/${run.runId}/findings`, finding);
    const owners = ['o1', 'o2', 'o3', 'o4'];
    const answers = await Promise.all(owners.map((owner) => rita.raw('PATCH', `/runs/${run.runId}/findings/F1`, { owner, note: `to ${owner}` })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const history = (await rita.get(`/runs/${run.runId}/findings/F1`)).body.history;
    expect(history.map((h: Json) => h.revision)).toEqual([1, 2, 3, 4, 5]);
    expect(
      history
        .slice(1)
        .map((h: Json) => h.note)
        .sort(),
    ).toEqual(owners.map((o) => `to ${o}`));
  });

  it('lifeboat findings add, list and update', async () => {
    const run = await endedRun();
    const { token } = await tokenWith(lb, ['operator'], 'carol');
    const cli = async (...args: string[]) => {
      const out = { stdout: '', stderr: '' };
      const io = { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) }, env: { LIFEBOAT_URL: lb.url, LIFEBOAT_TOKEN: token } };
      return { code: await main(args, { ...io, cwd: mkdtempSync(path.join(tmpdir(), 'lifeboat-findings-')) }), ...out };
    };
    const added = await cli('findings', 'add', run.runId, '--title', 'Pager did not ring', '--severity', 'medium', '--owner', 'carol', '--due', '2027-03-01');
    expect(added).toMatchObject({ code: 0 });
    expect(JSON.parse(added.stdout)).toMatchObject({ id: 'F1', owner: 'carol', status: 'open' });
    const updated = await cli('findings', 'update', run.runId, 'F1', '--status', 'done', '--note', 'pager fixed');
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout).history[1]).toMatchObject({ by: 'carol', set: { status: 'done' }, note: 'pager fixed' });
    const listed = await cli('findings', 'list', run.runId);
    expect(listed.stdout).toMatch(/F1\s+medium\s+done\s+carol\s+2027-03-01\s+Pager did not ring/);
    expect((await cli('findings', 'add', run.runId, '--title', 'x')).code).toBe(2);
    const refused = await cli('findings', 'update', run.runId, 'F1', '--severity', 'huge');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('body.severity');
  });
});
