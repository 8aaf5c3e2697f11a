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

jest.setTimeout(180_000);

let dataDir: string;
let logFile: string;
let port: number;
let ferret: Started | undefined;
let lb: (Lifeboat & { taskQueue: string }) | undefined;
let target: Awaited<ReturnType<typeof holdingTarget>> | undefined;

beforeAll(async () => {
  const home = mkdtempSync(path.join(process.env.LIFEBOAT_TEST_HOME ?? os.tmpdir(), 'outage-'));
  dataDir = path.join(home, 'ferretdb');
  logFile = path.join(home, 'ferretdb.log');
  port = await freePort();
  ferret = await startFerretDb({ port, dataDir, logFile });
  lb = await startTestLifeboat({ MONGODB_URI: `mongodb://127.0.0.1:${port}/` });
  target = await holdingTarget();
});
afterAll(async () => {
  await lb?.stop();
  await ferret?.stop();
  await target?.close();
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

describe('a store outage during a run', () => {
  it('pauses the run’s writes and loses nothing: every event once, in order, chained, and the record final', async () => {
    const t = target!;
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
    // s1's events are stored and s2's call is in flight: now the store goes away.
    await waitFor('s1 stored and s2 in flight', async () => ({ calls: [...t.calls], events: (await readTimeline(db, run.runId)).events.map((e) => `${e.type} ${e.stepId ?? ''}`) }),
      (v) => v.calls.includes('/hold') && v.events.includes('step.succeeded s1'));
    await kill(ferret!);
    const downAt = Date.now();
    t.release();

    // The run goes on without its store: every step runs, while the timeline writes fail and are retried.
    const live = await run.until('every step done while the store is down', (s) => s.steps.every((st) => st.status === 'succeeded'), 60_000);
    expect(live.steps.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
    expect(t.calls).toEqual(['/s1', '/hold', '/s3', '/s5', '/s6']);
    await waitFor('a timeline write retried while the store is down', async () => {
      const { raw } = await run.handle.describe();
      return (raw.pendingActivities ?? []).map((a) => ({ type: a.activityType?.name, attempt: a.attempt ?? 0 }));
    }, (pending) => pending.some((a) => a.type === 'appendTimelineEvents' && a.attempt >= 2), 30_000);
    expect((await run.handle.describe()).status.name).toBe('RUNNING');

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
    ferret = await startFerretDb({ port, dataDir, logFile });

    const final = await run.result();
    expect(final.status).toBe('completed');
    const { events, head } = await readTimeline(db, run.runId);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(head?.seq).toBe(events.length);
    expect(await verifyTimeline(db, run.runId)).toMatchObject({ ok: true, events: events.length });
    const succeeded = events.filter((e) => e.type === 'step.succeeded').map((e) => e.stepId);
    expect(succeeded.sort()).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
    expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'run.completed')).toHaveLength(1);
    expect(events[events.length - 1]!.type).toBe('run.completed');
    expect(await getRun(db, run.runId)).toMatchObject({ status: 'completed', finishedAt: final.finishedAt });
  });
});

