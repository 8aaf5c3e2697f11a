// A scrape does a fixed amount of work whatever the number of runs stored: with 1,000 runs (300 of them running,
// with approvals waiting) /metrics reads the two small collections of what is going on now (store/live.ts), never
// the runs themselves, asks Temporal nothing, and its gauges are right.
// Its time is measured in `npm run bench` (the metrics scenario), not asserted here.
import { randomUUID } from 'node:crypto';
import { markRunning, openApproval } from '../../store/live';
import { connectStore, type Store } from '../../store/connection';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { countingApi } from '../harness/watch';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let store: Store;
let counted: Awaited<ReturnType<typeof countingApi>>;
const reads: string[] = [];
const temporalCalls: string[] = [];

beforeAll(async () => {
  lb = await startTestLifeboat();
  // A database of this test's own: exactly the runs it stores.
  store = await connectStore(`${process.env.MONGODB_URI!.replace(/\/[^/]*$/, '').replace(/\/$/, '')}/metrics-${randomUUID().slice(0, 8)}`);
  const statuses = ['running', 'completed', 'failed', 'aborted'] as const;
  const docs = Array.from({ length: 1000 }, (_, i) => ({
    _id: `run-${i}`,
    runbookId: `rb-${i % 7}`,
    version: 1,
    hash: 'h',
    mode: i % 2 === 0 ? 'drill' : 'recovery',
    status: i < 300 ? 'running' : statuses[1 + (i % 3)]!,
    requester: 'alice',
    trigger: { kind: 'api', by: 'alice' },
    startedAt: new Date(Date.UTC(2030, 0, 1) + i * 1000).toISOString(),
    parametersJson: '{}',
  }));
  await store.db.collection<{ _id: string }>('runs').insertMany(docs);
  for (const d of docs.filter((d) => d.status === 'running')) await markRunning(store.db, { runId: d._id, runbookId: d.runbookId, mode: d.mode, since: d.startedAt });
  // 50 approvals of running runs, and 10 left behind by runs that ended (not counted).
  for (let i = 0; i < 50; i++)
    await openApproval(store.db, { runId: `run-${i}`, runbookId: `rb-${i % 7}`, stepId: 'go', since: new Date(Date.now() - (i + 1) * 60_000).toISOString() });
  for (let i = 900; i < 910; i++) await openApproval(store.db, { runId: `run-${i}`, runbookId: 'rb-ended', stepId: 'go', since: new Date(0).toISOString() });
  counted = await countingApi(lb, store.db, { reads, temporalCalls });
}, 120_000);
afterAll(async () => {
  await counted?.close();
  await store?.db.dropDatabase();
  await store?.close();
  await lb?.stop();
});

describe('a scrape of /metrics with 1,000 stored runs', () => {
  it('reads the running runs, waiting approvals and programme status once each, not the runs stored, asks Temporal nothing, and reports them', async () => {
    const api = apiClient(counted.url, { authorization: `Bearer ${lb.adminToken}` });
    await api.raw('GET', '/metrics'); // the token's first use reads the tokens collection; count the next scrape only
    reads.length = 0;
    temporalCalls.length = 0;
    const res = await api.raw('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(reads.filter((c) => c !== 'tokens').sort()).toEqual(['approvals_waiting', 'programme_status', 'runs_running']);
    expect(temporalCalls).toEqual([]);
    const text = String(res.body);
    expect(text).toContain('lifeboat_runs_running{mode="drill"} 150');
    expect(text).toContain('lifeboat_runs_running{mode="recovery"} 150');
    expect(text).toContain('lifeboat_approvals_waiting{runbook="rb-0"} 8'); // runs 0, 7, …, 49
    expect(text).not.toContain('rb-ended');
    const oldest = Number(/^lifeboat_approval_oldest_waiting_seconds\{runbook="rb-0"\} (\S+)$/m.exec(text)?.[1]);
    expect(oldest).toBeGreaterThanOrEqual(49 * 60); // run 49 has waited 50 minutes
  });
});
