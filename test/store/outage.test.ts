// A store outage in the middle of a run: FerretDB is killed while a step is in flight and stays down for a while;
// the run goes on, its writes wait, and once FerretDB is back on the same data nothing is lost or written twice.
// The suite's FerretDB is shared by other test files, so this test starts one of its own.
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startFerretDb } from '../../servers/ferretdb';
import type { Lifeboat } from '../../servers/lifeboat';
import { freePort, type Started } from '../../servers/process';
import { getRun } from '../../store/runs';
import { readTimeline, verifyTimeline } from '../../store/timeline';
import { startTestLifeboat } from '../harness/lifeboat';
import { startRun } from '../harness/runs';
import { waitFor } from '../harness/wait';

// Long enough that every write the run makes meanwhile fails several times and backs off (the activities' retry
// policy doubles its interval up to 30 s); a deliberate duration, not a wait for something to settle.
const OUTAGE_MS = 25_000;
const FREEZE_MS = 20_000;

jest.setTimeout(150_000);

let dataDir: string;
let logFile: string;
let port: number;
let ferret: Started | undefined;
let lb: (Lifeboat & { taskQueue: string }) | undefined;

beforeAll(async () => {
  const home = mkdtempSync(path.join(process.env.LIFEBOAT_TEST_HOME ?? os.tmpdir(), 'outage-'));
  dataDir = path.join(home, 'ferretdb');
  logFile = path.join(home, 'ferretdb.log');
  port = await freePort();
  ferret = await startFerretDb({ port, dataDir, logFile });
  lb = await startTestLifeboat({ MONGODB_URI: `mongodb://127.0.0.1:${port}/` });
});
afterAll(async () => {
  await lb?.stop();
  await ferret?.stop();
});

/** A counting HTTP target whose `/hold` call answers only once the test releases it. */
async function holdingTarget() {
  const calls: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = http.createServer((req, res) => {
    calls.push(req.url ?? '/');
    req.resume();
    req.on('end', () => {
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (req.url === '/hold') void released.then(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port: targetPort } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${targetPort}`, calls, release, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function kill(started: Started): Promise<void> {
  const exited = new Promise<void>((resolve) => started.child.once('exit', () => resolve()));
  started.child.kill('SIGKILL');
  await exited;
}

/** A run of six steps whose second one is in flight until the test releases it. */
async function startHeldRun(t: Awaited<ReturnType<typeof holdingTarget>>) {
  const get = (id: string, p: string, needs: string[] = []) => ({ id, action: 'http', with: { url: `${t.url}${p}` }, needs });
  const run = await startRun(lb!, {
    steps: [
      get('s1', '/s1'),
      get('s2', '/hold', ['s1']),
      get('s3', '/s3', ['s2']),
      { id: 's4', action: 'wait', with: { duration: '500ms' }, needs: ['s2'] },
      get('s5', '/s5', ['s3', 's4']),
      get('s6', '/s6', ['s5']),
    ],
  });
  const db = lb!.store.db;
  await waitFor(
    's1 stored and s2 in flight',
    async () => ({ calls: [...t.calls], events: (await readTimeline(db, run.runId)).events.map((e) => `${e.type} ${e.stepId ?? ''}`) }),
    (v) => v.calls.includes('/hold') && v.events.includes('step.succeeded s1'),
  );
  return run;
}

/** The run goes on without its store: every step runs, while its timeline writes fail and are retried. */
async function runsOnWithoutStore(run: Awaited<ReturnType<typeof startHeldRun>>, t: Awaited<ReturnType<typeof holdingTarget>>) {
  const live = await run.until('every step done while the store is down', (s) => s.steps.every((st) => st.status === 'succeeded'), 60_000);
  expect(live.steps.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
  expect(t.calls).toEqual(['/s1', '/hold', '/s3', '/s5', '/s6']);
  await waitFor(
    'a timeline write retried while the store is down',
    async () => {
      const { raw } = await run.handle.describe();
      return (raw.pendingActivities ?? []).map((a) => ({ type: a.activityType?.name, attempt: a.attempt ?? 0 }));
    },
    (pending) => pending.some((a) => a.type === 'appendTimelineEvents' && a.attempt >= 2),
    30_000,
  );
  expect((await run.handle.describe()).status.name).toBe('RUNNING');
}

/** Nothing lost, nothing twice: contiguous seqs, one success per step, the chain verifies, the record is final. */
async function recordedInFull(run: Awaited<ReturnType<typeof startHeldRun>>) {
  const final = await run.result();
  expect(final.status).toBe('completed');
  const db = lb!.store.db;
  const { events, head } = await readTimeline(db, run.runId);
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
  expect(head?.seq).toBe(events.length);
  expect(await verifyTimeline(db, run.runId)).toMatchObject({ ok: true, events: events.length });
  const succeeded = events.filter((e) => e.type === 'step.succeeded').map((e) => e.stepId);
  expect(succeeded.sort()).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
  expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'run.completed')).toHaveLength(1);
  expect(events[events.length - 1]!.type).toBe('run.completed');
  expect(await getRun(db, run.runId)).toMatchObject({ status: 'completed', finishedAt: final.finishedAt });
}

describe('a store outage during a run', () => {
  it('pauses the run’s writes and loses nothing when the store dies and comes back on its data', async () => {
    const t = await holdingTarget();
    try {
      const run = await startHeldRun(t);
      await kill(ferret!);
      const downAt = Date.now();
      t.release();
      await runsOnWithoutStore(run, t);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
      ferret = await startFerretDb({ port, dataDir, logFile });
      await recordedInFull(run);
    } finally {
      await t.close();
    }
  });

  // A frozen store (a stalled network, a paused VM) is the worse outage: the writes sent to it are not refused but
  // wait, and once it thaws the ones still queued land, after the retries that replaced them. (Which of them lands
  // last is up to timing here; test/store/timeline.test.ts makes a stalled attempt land last on purpose.)
  it('pauses the run’s writes and loses nothing when the store freezes and thaws', async () => {
    const t = await holdingTarget();
    const frozen = ferret!;
    try {
      const run = await startHeldRun(t);
      frozen.child.kill('SIGSTOP');
      const frozenAt = Date.now();
      t.release();
      await runsOnWithoutStore(run, t);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, FREEZE_MS - (Date.now() - frozenAt))));
      frozen.child.kill('SIGCONT');
      await recordedInFull(run);
    } finally {
      frozen.child.kill('SIGCONT');
      await t.close();
    }
  });
});
