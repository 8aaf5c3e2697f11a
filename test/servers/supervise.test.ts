// The embedded default (`npm start`) supervises the Temporal and FerretDB children it starts: each is SIGKILLed here
// and must come back on the same port and data, logged, with /health showing it restarting and then up again.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Health, LocalServer } from '../../api/routes/health';
import { loadConfig } from '../../config';
import { startLifeboat, type Lifeboat } from '../../servers/lifeboat';
import { startServers, type Servers } from '../../servers/local';
import { freePort } from '../../servers/process';
import { getRunbook } from '../../store/registry';
import { workflowBundle } from '../harness/lifeboat';
import { startRun } from '../harness/runs';
import { waitFor } from '../harness/wait';

jest.setTimeout(240_000);

let servers: Servers;
let lb: Lifeboat & { taskQueue: string };
const lines: string[] = [];

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this jest worker
  }
  const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-supervise-'));
  // As `npm start` does (persistent data under LIFEBOAT_HOME, no external servers named), on free ports.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LIFEBOAT_HOME: home,
    LIFEBOAT_ADMIN_TOKEN: `test-admin-${randomUUID()}`,
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    FERRETDB_PORT: String(await freePort()),
    SMTP_PORT: String(await freePort()),
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.MONGODB_URI;
  delete env.SMTP_URL;
  const config = loadConfig(env);
  servers = await startServers(config, { home, log: (line) => lines.push(line) });
  const taskQueue = `supervise-${randomUUID()}`;
  const started = await startLifeboat({
    config,
    temporalAddress: servers.temporalAddress,
    mongoUri: servers.mongoUri,
    smtpUrl: servers.smtpUrl,
    taskQueue,
    port: 0,
    workflowBundle: await workflowBundle(),
    localServers: servers.states,
  });
  lb = { ...started, taskQueue };
});

afterAll(async () => {
  await lb?.stop();
  await servers?.stop();
});

async function health(): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${lb.url}/health`);
  return { status: res.status, body: (await res.json()) as Health };
}

const server = (name: string): LocalServer => {
  const s = servers.states().find((x) => x.name === name);
  if (!s) throw new Error(`${name} is not supervised: ${JSON.stringify(servers.states())}`);
  return s;
};

/**
 * SIGKILLs the child, runs `afterKill` once it has exited (which may keep it down), checks /health says it is restarting, runs
 * `whileDown`, then waits until it is back and /health is 200; `attempt` is the attempt expected to bring it back.
 */
async function killAndAwaitRestart(
  name: string,
  timeoutMs: number,
  o: { afterKill?: () => Promise<void>; whileDown?: () => Promise<void>; attempt?: number } = {},
): Promise<Health> {
  const restartsBefore = 0;
  const attempt = o.attempt ?? 1;
  const { pid } = server(name);
  expect(pid).toEqual(expect.any(Number));
  process.kill(pid!, 'SIGKILL');
  await waitFor(
    `${name} to be noticed as exited`,
    async () => server(name),
    (s) => s.status === 'restarting',
    5_000,
  );
  await o.afterKill?.();
  // The first restart waits 1 s before starting the child again: /health is asked inside that window.
  const down = await health();
  expect(down.status).toBe(503);
  expect(down.body.status).toBe('down');
  expect(down.body.servers).toContainEqual({ name, status: 'restarting', restarts: restartsBefore, lastExit: 'signal SIGKILL' });
  await o.whileDown?.();

  const up = await waitFor(
    `${name} to be restarted and /health to be 200`,
    health,
    (h) => h.status === 200 && h.body.servers?.find((s) => s.name === name)?.restarts === restartsBefore + 1,
    timeoutMs,
  );
  expect(up.body.status).toBe('up');
  const after = up.body.servers!.find((s) => s.name === name)!;
  expect(after).toMatchObject({ status: 'up', lastExit: 'signal SIGKILL' });
  expect(after.pid).not.toBe(pid);
  expect(lines).toContain(`${name} exited (signal SIGKILL); restarting it in 1s (attempt 1)`);
  expect(lines).toContain(`${name} restarted (attempt ${attempt})`);
  return up.body;
}

const twoWaits = {
  steps: [
    { id: 'a', title: 'First wait', action: 'wait', with: { duration: '1s' } },
    { id: 'b', title: 'Second wait', needs: ['a'], action: 'wait', with: { duration: '1s' } },
  ],
};

describe('the embedded default supervises its servers', () => {
  let firstRunId: string;

  it('reports both servers up before anything is killed', async () => {
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.body.servers?.map((s) => [s.name, s.status, s.restarts])).toEqual([
      ['Temporal', 'up', 0],
      ['FerretDB', 'up', 0],
    ]);
  });

  it('restarts a SIGKILLed FerretDB on the same data, and a run in flight still completes', async () => {
    const run = await startRun(lb, twoWaits);
    firstRunId = run.runId;
    await run.until('step a to run', (s) => s.steps.some((x) => x.id === 'a' && x.status === 'running'));

    // Its port is held (every connection dropped) until the run has moved on without the store, so the run's
    // timeline and record writes meet FerretDB down and must be retried; the first restart attempt fails on it.
    const port = Number(new URL(servers.mongoUri).port);
    const holder = net.createServer((socket) => socket.destroy());
    await killAndAwaitRestart('FerretDB', 60_000, {
      attempt: 2,
      afterKill: () => new Promise<void>((resolve, reject) => holder.once('error', reject).listen(port, '127.0.0.1', () => resolve())),
      whileDown: async () => {
        await run.until('both steps to succeed in the workflow while FerretDB is down', (s) => s.steps.every((x) => x.status === 'succeeded'));
        await waitFor(
          'the first restart attempt to fail on the held port',
          async () => lines,
          (l) => l.includes(`FerretDB did not restart: port ${port} (FerretDB) is already in use: stop what uses it or set FERRETDB_PORT; restarting it in 2s (attempt 2)`),
          10_000,
        );
        expect(server('FerretDB').status).toBe('restarting');
        await new Promise<void>((resolve) => holder.close(() => resolve()));
      },
    });

    // The data written before the kill is still there: the registered runbook and the run's timeline.
    expect(await getRunbook(lb.store.db, run.runbook)).toMatchObject({ runbook: { id: run.runbook }, version: 1 });
    const result = await run.result();
    expect(result.status).toBe('completed');
    const events = await run.events();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'step.succeeded').map((e) => e.stepId)).toEqual(['a', 'b']);
    expect(events.at(-1)?.type).toBe('run.completed');
  });

  it('restarts a SIGKILLed Temporal on its persisted db file: runs are still there and new ones complete', async () => {
    await killAndAwaitRestart('Temporal', 120_000);

    // The namespace and the run finished before the kill survived the restart.
    const described = await lb.client.workflow.getHandle(firstRunId).describe();
    expect(described.status.name).toBe('COMPLETED');
    // The worker reconnects to the restarted server and runs a new run to the end.
    const run = await startRun(lb, twoWaits);
    expect((await run.result()).status).toBe('completed');
  });
});
