import { randomUUID } from 'node:crypto';
import type { RunRecord } from '../../contract/run';
import { connectStore, type Store } from '../../store/connection';
import { getRun, saveRun } from '../../store/runs';
import { stallBefore } from './stall';

let store: Store;
beforeAll(async () => {
  store = await connectStore(process.env.MONGODB_URI!);
});
afterAll(async () => {
  await store?.close();
});

const running = (runId: string): RunRecord => ({
  runId,
  runbookId: 'fenced',
  version: 1,
  hash: 'h',
  mode: 'drill',
  status: 'running',
  requester: 'alice',
  trigger: { kind: 'api', by: 'alice' },
  parameters: { 'a.b': 1 },
  startedAt: '2026-01-01T00:00:00.000Z',
});
const final = (runId: string, status: 'completed' | 'failed' | 'aborted'): RunRecord => ({
  ...running(runId),
  status,
  finishedAt: '2026-01-01T00:05:00.000Z',
  ...(status === 'completed' ? {} : { error: 'step s1 failed' }),
});

describe('saving a run record', () => {
  it.each(['completed', 'failed', 'aborted'] as const)('keeps a %s record when a late running write arrives', async (status) => {
    const runId = `fenced-${randomUUID()}`;
    await saveRun(store.db, running(runId));
    await saveRun(store.db, final(runId, status));
    await saveRun(store.db, running(runId));
    expect(await getRun(store.db, runId)).toEqual(final(runId, status));
  });

  // The running write first inserts (1), and over a record already there makes its conditional replace (2).
  it.each([
    ['before its insert, with no record yet', false, 1],
    ['before its insert, over a running record', true, 1],
    ['before its conditional replace, over a running record', true, 2],
  ])('keeps the final record when a stalled running write lands after it (%s)', async (_, existing, n) => {
    const runId = `fenced-${randomUUID()}`;
    if (existing) await saveRun(store.db, running(runId));
    const stall = stallBefore(store.db, n);
    const late = saveRun(stall.db, running(runId));
    await stall.reached(late);
    await saveRun(store.db, final(runId, 'completed'));
    stall.release();
    await late;
    expect(await getRun(store.db, runId)).toEqual(final(runId, 'completed'));
  });

  it('creates a record, replaces a running one and writes the same final record twice as one', async () => {
    const runId = `fenced-${randomUUID()}`;
    await saveRun(store.db, running(runId));
    await saveRun(store.db, { ...running(runId), title: 'renamed' });
    expect(await getRun(store.db, runId)).toMatchObject({ status: 'running', title: 'renamed' });
    await saveRun(store.db, final(runId, 'failed'));
    await saveRun(store.db, final(runId, 'failed'));
    expect(await getRun(store.db, runId)).toEqual(final(runId, 'failed'));
  });
});
