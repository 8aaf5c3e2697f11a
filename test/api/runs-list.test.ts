import { randomUUID } from 'node:crypto';
import type { Lifeboat } from '../../servers/lifeboat';
import type { RunRecord } from '../../contract/run';
import { saveRun } from '../../store/runs';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { drillRecord } from '../harness/records';
import { clientWith } from '../harness/tokens';

let lb: Lifeboat & { adminToken: string };
let viewer: ReturnType<typeof apiClient>;
const runbook = `list-${randomUUID().slice(0, 8)}`;
const other = `${runbook}-other`;

// Run records written directly: listing reads only the runs collection, so no workflows are needed.
function record(i: number, o: Partial<RunRecord> = {}): RunRecord {
  return drillRecord({
    runId: `${runbook}-run-${String(i).padStart(2, '0')}`,
    runbookId: runbook,
    parameters: { 'odd.key': 1 },
    startedAt: new Date(Date.UTC(2030, 0, 1, 0, i)).toISOString(),
    ...o,
  });
}

beforeAll(async () => {
  lb = await startTestLifeboat();
  viewer = await clientWith(lb, ['viewer']);
  const records = [
    ...Array.from({ length: 7 }, (_, i) => record(i, { mode: i % 2 === 0 ? 'drill' : 'recovery', status: i === 6 ? 'running' : 'completed' })),
    // Two runs started at the same instant: the run id breaks the tie, so paging never skips or repeats one.
    record(7, { runId: `${runbook}-tie-a`, startedAt: record(3).startedAt }),
    record(8, { runId: `${runbook}-tie-b`, startedAt: record(3).startedAt }),
    record(9, { runbookId: other }),
  ];
  for (const r of records) await saveRun(lb.store.db, r);
});
afterAll(async () => {
  await lb?.stop();
});

const ids = (body: Json): string[] => body.runs.map((r: { runId: string }) => r.runId);

async function allPages(query: string, limit: number): Promise<{ pages: string[][] }> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const res = await viewer.get(`/runs?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    pages.push(ids(res.body));
    cursor = res.body.next;
  } while (cursor !== null);
  return { pages };
}

describe('GET /runs', () => {
  it("lists a runbook's runs newest first, with parameters and no other runbook's runs", async () => {
    const res = await viewer.get(`/runs?runbook=${runbook}`);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([
      `${runbook}-run-06`,
      `${runbook}-run-05`,
      `${runbook}-run-04`,
      `${runbook}-tie-b`,
      `${runbook}-tie-a`,
      `${runbook}-run-03`,
      `${runbook}-run-02`,
      `${runbook}-run-01`,
      `${runbook}-run-00`,
    ]);
    expect(res.body.runs[0]).toMatchObject({ runbookId: runbook, parameters: { 'odd.key': 1 }, status: 'running' });
    expect(res.body.next).toBeNull();
  });

  it('pages with an opaque cursor without skipping or repeating a run', async () => {
    const { pages } = await allPages(`runbook=${runbook}`, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 2, 1]);
    const flat = pages.flat();
    expect(new Set(flat).size).toBe(9);
    expect(flat).toEqual(ids((await viewer.get(`/runs?runbook=${runbook}`)).body));
  });

  it('filters by mode and status', async () => {
    const drills = await viewer.get(`/runs?runbook=${runbook}&mode=recovery`);
    expect(ids(drills.body)).toEqual([`${runbook}-run-05`, `${runbook}-run-03`, `${runbook}-run-01`]);
    const running = await viewer.get(`/runs?runbook=${runbook}&status=running`);
    expect(ids(running.body)).toEqual([`${runbook}-run-06`]);
  });

  it('filters by a from/to time range on startedAt, from inclusive and to exclusive', async () => {
    const from = record(2).startedAt;
    const to = new Date(Date.UTC(2030, 0, 1, 1, 4)).toISOString().replace('Z', '+01:00'); // 00:04Z, with an offset
    const res = await viewer.get(`/runs?runbook=${runbook}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(ids(res.body)).toEqual([`${runbook}-tie-b`, `${runbook}-tie-a`, `${runbook}-run-03`, `${runbook}-run-02`]);
  });

  it('answers 400 for a limit above 200, an unknown filter value or a forged cursor', async () => {
    const tooMany = await viewer.get('/runs?limit=201');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues[0].path).toBe('query.limit');
    expect((await viewer.get('/runs?status=sleeping')).status).toBe(400);
    expect((await viewer.get('/runs?from=yesterday')).status).toBe(400);
    const forged = await viewer.get('/runs?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(forged.body.detail).toMatch(/cursor/);
  });

  it('answers 400 for an unknown query parameter', async () => {
    const res = await viewer.get('/runs?runbok=x');
    expect(res.status).toBe(400);
  });

  it('answers at most 50 runs by default', async () => {
    const res = await viewer.get('/runs');
    expect(res.status).toBe(200);
    expect(res.body.runs.length).toBeLessThanOrEqual(50);
  });
});
