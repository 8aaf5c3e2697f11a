// Tamper evidence that survives a database administrator: the attacker writes the timeline collections directly,
// edits or deletes events and recomputes every hash and the head, as someone with write access to MongoDB can.
// Verification (the API, and an export checked offline) must still see it, against the heads the worker signed and
// Temporal keeps. And communications are evidence: a failed delivery shows in the report with its tries.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../cli/main';
import { appendTimelineEvents, readTimeline } from '../../store/timeline';
import { chainEvents, GENESIS_HASH, verifyChain } from '../../timeline/chain';
import type { StoredTimelineEvent, TimelineEvent } from '../../timeline/event';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { startRun, startTarget } from '../harness/runs';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let target: Awaited<ReturnType<typeof startTarget>>;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  target = await startTarget((p) => ({ status: p === '/down' ? 500 : 200 }));
  api = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
});
afterAll(async () => {
  await target?.close();
  await lb?.stop();
});

const DRILL = {
  title: 'Evidence drill',
  objectives: { rto: '5m' },
  recovery: { endsAt: 'restore' },
  steps: [
    { id: 'restore', action: 'http', with: { method: 'POST', url: '' } },
    { id: 'settle', action: 'wait', needs: ['restore'], with: { duration: '50ms' } },
  ],
};

/** A finished drill of DRILL. */
async function finishedDrill(): Promise<string> {
  const run = await startRun(lb, { ...DRILL, steps: [{ ...DRILL.steps[0], with: { method: 'POST', url: `${target.url}/restore` } }, DRILL.steps[1]] }, { mode: 'drill' });
  expect((await run.result()).status).toBe('completed');
  return run.runId;
}

/**
 * What a database administrator can do: rewrite the run's stored events (`edit`), recompute every hash, replace
 * the batches and move the head document to the new end. No key is needed for any of it.
 */
async function rewriteAsDba(runId: string, edit: (events: StoredTimelineEvent[]) => StoredTimelineEvent[]): Promise<void> {
  const db = lb.store.db;
  const { events } = await readTimeline(db, runId);
  const plain: TimelineEvent[] = edit(structuredClone(events)).map(({ runId: _r, prevHash: _p, hash: _h, ...e }) => e as TimelineEvent);
  const rechained = chainEvents(runId, plain, GENESIS_HASH);
  expect(verifyChain(runId, rechained)).toMatchObject({ ok: true }); // the forged chain checks out on its own
  // Nothing but the database is needed: drop the run's documents and store the forged events the way Lifeboat does.
  await db.collection('timeline_batches').deleteMany({ runId });
  await db.collection('timeline_pages').deleteMany({ runId });
  await db.collection<{ _id: string }>('timeline_heads').deleteOne({ _id: runId });
  await appendTimelineEvents(db, runId, plain);
}

/** `lifeboat …` in-process against the test's API, in a directory of its own. */
async function lifeboat(cwd: string, ...args: string[]) {
  const out = { stdout: '', stderr: '' };
  const env = { LIFEBOAT_URL: lb.url, LIFEBOAT_TOKEN: lb.adminToken };
  const code = await main(args, { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) }, env, cwd });
  return { code, ...out };
}

const workDir = () => mkdtempSync(path.join(tmpdir(), 'lifeboat-evidence-'));

describe('tamper evidence', () => {
  it('verifies an untouched run online and its export offline, against the final head signed in Temporal', async () => {
    const runId = await finishedDrill();
    const { events } = await readTimeline(lb.store.db, runId);
    const verify = await api.get(`/runs/${runId}/verify`);
    expect(verify.body).toMatchObject({
      ok: true,
      events: events.length,
      anchor: { source: 'Temporal', final: true, seq: events.length, hash: events[events.length - 1]!.hash, signature: 'valid' },
    });

    const dir = workDir();
    const exported = await lifeboat(dir, 'evidence', 'export', runId, '--out', 'run.json');
    expect(exported).toMatchObject({ code: 0 });
    const bundle = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
    expect(bundle).toMatchObject({ format: 'lifeboat-evidence/1', runId, final: true, report: { runId, verification: { ok: true } } });
    expect(bundle.publicKey).toContain('BEGIN PUBLIC KEY');
    expect(bundle.signedHeads.length).toBeGreaterThan(0);

    const checked = await lifeboat(dir, 'evidence', 'verify', 'run.json');
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ ok: true, events: events.length, anchor: { final: true, signature: 'valid' } });
  });

  it('reports an event a database administrator edited, with every hash and the head recomputed, online and in an offline export', async () => {
    const runId = await finishedDrill();
    // The attack: claim the recovery took one second.
    await rewriteAsDba(runId, (events) => events.map((e) => (e.type === 'recovery.achieved' ? { ...e, detail: { ...e.detail, achievedMs: 1000 } } : e)));

    const verify = await api.get(`/runs/${runId}/verify`);
    expect(verify.body).toMatchObject({ ok: false, firstBad: { problem: 'rewritten' }, anchor: { final: true, signature: 'valid' } });
    expect(verify.body.firstBad.message).toContain('rewritten consistently');
    const html = await api.get(`/runs/${runId}/report`, { accept: 'text/html' });
    expect(html.body).toContain('rewritten consistently');

    const dir = workDir();
    expect((await lifeboat(dir, 'evidence', 'export', runId, '--out', 'run.json')).code).toBe(0);
    const offline = await lifeboat(dir, 'evidence', 'verify', 'run.json');
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.stdout)).toMatchObject({ ok: false, firstBad: { problem: 'rewritten' } });
    expect(offline.stderr).toContain('does NOT verify: the timeline was rewritten consistently');

    // Forging the export too (the signed heads to match the rewritten chain) breaks their signatures.
    const bundle = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
    const forgedHead = bundle.events[bundle.events.length - 1].hash;
    bundle.signedHeads = bundle.signedHeads.map((h: { seq: number }) => ({ ...h, hash: bundle.events[h.seq - 1].hash }));
    expect(bundle.signedHeads[bundle.signedHeads.length - 1].hash).toBe(forgedHead);
    writeFileSync(path.join(dir, 'forged.json'), JSON.stringify(bundle));
    const forged = await lifeboat(dir, 'evidence', 'verify', 'forged.json');
    expect(forged.code).toBe(1);
    expect(JSON.parse(forged.stdout)).toMatchObject({ ok: false, firstBad: { problem: 'signature' } });
  });

  it('reports the newest events a database administrator deleted, with the head moved back to match', async () => {
    const runId = await finishedDrill();
    await rewriteAsDba(runId, (events) => events.slice(0, -2));
    const verify = await api.get(`/runs/${runId}/verify`);
    expect(verify.body).toMatchObject({ ok: false, firstBad: { problem: 'missing' } });
    expect(verify.body.firstBad.message).toMatch(/^events \d+\.\.\d+ are missing: the worker signed a head at event \d+ \(kept in Temporal\)/);

    const dir = workDir();
    expect((await lifeboat(dir, 'evidence', 'export', runId, '--out', 'run.json')).code).toBe(0);
    const offline = await lifeboat(dir, 'evidence', 'verify', 'run.json');
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.stdout)).toMatchObject({ ok: false, firstBad: { problem: 'missing' } });
  });

  it('checks a run that continued as new against the heads of every workflow execution, back to the first', async () => {
    const steps = Array.from({ length: 24 }, (_, i) => ({ id: `s${i}`, action: 'http', with: { url: `${target.url}/step` }, ...(i > 0 ? { needs: [`s${i - 1}`] } : {}) }));
    const run = await startRun(lb, { steps }, { mode: 'drill', limits: { historyEvents: 50 } });
    expect((await run.result()).status).toBe('completed');
    const { events } = await readTimeline(lb.store.db, run.runId);
    expect(events.filter((e) => e.type === 'run.continued').length).toBeGreaterThanOrEqual(2);
    expect((await api.get(`/runs/${run.runId}/verify`)).body).toMatchObject({ ok: true, anchor: { final: true, seq: events.length, signature: 'valid' } });

    // An edit early in the run, signed only in the first execution's history, is still caught.
    await rewriteAsDba(run.runId, (all) => all.map((e) => (e.seq === 2 ? { ...e, actor: 'someone-else' } : e)));
    const verify = await api.get(`/runs/${run.runId}/verify`);
    expect(verify.body).toMatchObject({ ok: false, firstBad: { problem: 'rewritten' } });
    expect(verify.body.firstBad.seq).toBeLessThan(events.length / 2);
  });

  it('refuses an export whose heads were signed by another key than the one the auditor trusts', async () => {
    const runId = await finishedDrill();
    const dir = workDir();
    expect((await lifeboat(dir, 'evidence', 'export', runId, '--out', 'run.json')).code).toBe(0);
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    writeFileSync(path.join(dir, 'other.pem'), other);
    const checked = await lifeboat(dir, 'evidence', 'verify', 'run.json', '--key', 'other.pem');
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.stdout)).toMatchObject({ ok: false, firstBad: { problem: 'signature' } });
  });
});

describe('communications in the report', () => {
  it('lists a notify step whose webhook answers 500 as failed after the tries it took', async () => {
    const run = await startRun(
      lb,
      { title: 'Failing notice', steps: [{ id: 'tell', action: 'notify', timeout: '4s', with: { channel: 'webhook', url: `${target.url}/down`, body: 'failover started' } }] },
      { mode: 'drill' },
    );
    expect((await run.result()).status).toBe('failed');
    const tries = target.count('/down');
    expect(tries).toBeGreaterThan(1);
    const report = await api.get(`/runs/${run.runId}/report`);
    expect(report.body.notifications).toEqual([
      expect.objectContaining({
        event: 'step.notify',
        stepId: 'tell',
        channel: 'webhook',
        target: expect.stringContaining(target.url),
        sent: false,
        tries,
        delivery: `failed after ${tries} tries`,
      }),
    ]);
    const html = await api.get(`/runs/${run.runId}/report`, { accept: 'text/html' });
    expect(html.body).toContain(`failed after ${tries} tries`);
  });
});
