// GET /programme does a bounded amount of work per runbook whatever the number of runs stored: with 12 runbooks and
// 10 drills each, it reads the drills' ids and the findings once, then each runbook's head, latest version, newest
// drill and (overdue) notice — no run beyond the newest one, no Temporal call per run — and lists Temporal's schedules once. Counted per store operation, not timed.
import { randomUUID } from 'node:crypto';
import { validateRunbookObject } from '../../model/validate';
import { Programme } from '../../report/programme';
import { connectStore, type Store } from '../../store/connection';
import { saveRunbook } from '../../store/registry';
import { saveRun } from '../../store/runs';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { drillRecord } from '../harness/records';
import { countingApi } from '../harness/watch';

const RUNBOOKS = 12;
const DRILLS = 10;

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let store: Store;
let counted: Awaited<ReturnType<typeof countingApi>>;
const reads: string[] = [];
const temporalCalls: string[] = [];

beforeAll(async () => {
  lb = await startTestLifeboat();
  store = await connectStore(`${process.env.MONGODB_URI!.replace(/\/[^/]*$/, '').replace(/\/$/, '')}/programme-${randomUUID().slice(0, 8)}`);
  for (let i = 0; i < RUNBOOKS; i++) {
    const loaded = validateRunbookObject({ id: `rb-${i}`, title: `Runbook ${i}`, drill: { every: '30d' }, steps: [{ id: 'w', action: 'wait', with: { duration: '1s' } }] });
    if (!loaded.ok) throw new Error('invalid test runbook');
    await saveRunbook(store.db, loaded.runbook, loaded.hash);
    for (let d = 0; d < DRILLS; d++) {
      const startedAt = new Date(Date.UTC(2026, 0, 1 + d * 7)).toISOString();
      await saveRun(store.db, drillRecord({ runId: `rb-${i}-${d}`, runbookId: `rb-${i}`, startedAt }));
    }
  }
  counted = await countingApi(lb, store.db, { reads, temporalCalls });
}, 120_000);
afterAll(async () => {
  await counted?.close();
  await store?.db.dropDatabase();
  await store?.close();
  await lb?.stop();
});

it('reads a fixed number of documents per runbook, the newest drill only, and lists schedules once', async () => {
  const api = apiClient(counted.url, { authorization: `Bearer ${lb.adminToken}` });
  await api.get('/runs?limit=1'); // the token's first use reads the tokens collection; count the next request only
  reads.length = 0;
  temporalCalls.length = 0;
  const res = await api.get('/programme');
  expect(res.status).toBe(200);
  const programme = Programme.parse(res.body);
  expect(programme.runbooks).toHaveLength(RUNBOOKS);
  expect(programme.runbooks[0]!.lastDrill?.runId).toBe(`rb-0-${DRILLS - 1}`);
  const count = (c: string) => reads.filter((r) => r === c).length;
  expect(count('runs')).toBe(1 + RUNBOOKS); // the drills' ids and start times once, then each newest drill's record by _id
  expect(count('findings')).toBe(1); // every runbook's open actions from one read
  expect(count('runbook_versions')).toBe(2 * RUNBOOKS); // the head walk's probe, and the latest version
  expect(count('runbooks')).toBe(1 + RUNBOOKS); // the listing, and each head
  expect(count('drill_notices')).toBe(RUNBOOKS); // each is overdue (drilled last in March, every 30 days): its notice, if recorded
  expect(reads.filter((r) => r !== 'rate_counters' && r !== 'tokens')).toHaveLength(5 * RUNBOOKS + 3);
  expect(temporalCalls).toEqual(['schedule.list']);
});
