// Cluster mode: a Temporal server Lifeboat did not configure, two worker processes and two standalone API processes
// on it, as a cluster deployment runs them. Runs triggered through either API complete, and SIGKILL of the worker
// running a step leaves the other worker to finish the run without a second execution of any step.
import { Client, Connection } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTE } from '../../contract/names';
import type { Started } from '../../servers/process';
import { startApiProcess } from '../harness/api-spawn';
import { apiClient } from '../harness/http';
import { startPlainTemporal } from '../harness/plain-temporal';
import { callsPerKey, startKeyedTarget } from '../harness/target';
import { waitFor } from '../harness/wait';
import { startWorkerProcess, stopWorkerProcess, writeWorkflowBundle } from '../harness/worker-spawn';

jest.setTimeout(240_000);

type Api = ReturnType<typeof apiClient>;
type Target = Awaited<ReturnType<typeof startKeyedTarget>>;
interface StoredEvent {
  seq: number;
  type: string;
  stepId?: string;
}

const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-cluster-'));
const NAMES = Object.values(SEARCH_ATTRIBUTE).map((k) => k.name);
const HOLD_MS = 8_000; // long enough to find and kill the worker running the call while it is held
const children: ChildProcess[] = []; // every process this file spawned, stopped in afterAll whatever happened
let temporal: (Started & { address: string }) | undefined;
let connection: Connection | undefined;
let client: Client;
let target: Target | undefined;
let workers: ChildProcess[] = [];
let apis: Api[] = [];

beforeAll(async () => {
  temporal = await startPlainTemporal(home);
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection });
  // Untouched: none of Lifeboat's search attributes exist until a worker registers them.
  const before = (await connection.operatorService.listSearchAttributes({ namespace: 'default' })).customAttributes ?? {};
  expect(NAMES.filter((n) => n in before)).toEqual([]);

  target = await startKeyedTarget((p) => ({ status: 200, holdMs: p === '/promote' ? HOLD_MS : 0 }));
  const taskQueue = `cluster-${randomUUID()}`;
  const adminToken = `test-admin-${randomUUID()}`;
  const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default', MONGODB_URI: process.env.MONGODB_URI!, SMTP_URL: process.env.SMTP_URL! };
  const spawned = (c: ChildProcess) => children.push(c);

  // The APIs first: an API process starts on a namespace without the attributes (it answers 503 to triggers until
  // a worker has registered them; test/servers/any-temporal.test.ts covers that answer).
  const started = await Promise.all([0, 1].map(() => startApiProcess({ ...env, LIFEBOAT_ADMIN_TOKEN: adminToken, TEMPORAL_TASK_QUEUE: taskQueue }, spawned)));
  apis = started.map((a) => apiClient(a.url, { authorization: `Bearer ${adminToken}` }));
  const bundlePath = await writeWorkflowBundle();
  workers = await Promise.all([0, 1].map(() => startWorkerProcess(taskQueue, bundlePath, { env, spawned })));
});

afterAll(async () => {
  await Promise.all(children.map((c) => stopWorkerProcess(c, 'SIGTERM', 10_000).catch(() => undefined)));
  await target?.close();
  await connection?.close();
  await temporal?.stop();
});

/** Uploads `definition` through `api` under a unique id; returns the id. */
async function upload(api: Api, definition: Record<string, unknown>): Promise<string> {
  const id = `${String(definition.id)}-${randomUUID().slice(0, 8)}`;
  const res = await api.post('/runbooks', JSON.stringify({ title: 'cluster test', ...definition, id }), { 'content-type': 'application/json' });
  expect(res.status).toBe(201);
  return id;
}

async function trigger(api: Api, runbook: string): Promise<string> {
  const res = await api.post('/runs', { runbook, mode: 'recovery' });
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 201, body: { runbook } });
  return res.body.runId as string;
}

/**
 * Waits until the run has ended on its durable timeline, then answers GET /runs/:id. Not GET /runs/:id alone: until
 * the run's first record lands it answers from the live state, which says "completed" before the timeline is flushed.
 */
async function ended(api: Api, runId: string, timeoutMs = 60_000) {
  await waitFor(
    `run ${runId} to end on its timeline`,
    () => api.get(`/runs/${runId}/timeline`),
    (r) => r.status === 200 && (r.body.events as StoredEvent[]).some((e) => /^run\.(completed|failed|aborted)$/.test(e.type)),
    timeoutMs,
  );
  return waitFor(
    `run ${runId} to be recorded as ended`,
    () => api.get(`/runs/${runId}`),
    (r) => ['completed', 'failed', 'aborted'].includes(r.body?.status),
  );
}

/** The timeline through `api`: exactly one step.succeeded per step, contiguous seqs from 1, a chain that verifies. */
async function expectSoundTimeline(api: Api, runId: string, steps: string[]) {
  const timeline = await api.get(`/runs/${runId}/timeline`);
  expect(timeline.status).toBe(200);
  const events = (timeline.body as { events: StoredEvent[] }).events;
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(steps.map((s) => events.filter((e) => e.type === 'step.succeeded' && e.stepId === s).length)).toEqual(steps.map(() => 1));
  expect(events.filter((e) => e.type === 'step.failed')).toEqual([]);
  expect((await api.get(`/runs/${runId}/verify`)).body).toMatchObject({ runId, ok: true, events: events.length });
  return events;
}

describe('cluster mode: two workers and two APIs on a Temporal Lifeboat did not configure', () => {
  it('completes runs triggered through either API', async () => {
    const [a, b] = apis as [Api, Api];
    const runbook = await upload(a, {
      id: 'cluster-runs',
      steps: [
        { id: 'notify-dns', action: 'http', with: { method: 'POST', url: `${target!.url}/dns` } },
        { id: 'check-app', action: 'http', with: { method: 'POST', url: `${target!.url}/app` } },
      ],
    });
    const runIds = [...(await Promise.all([0, 1, 2].map(() => trigger(a, runbook)))), ...(await Promise.all([0, 1, 2].map(() => trigger(b, runbook))))];

    for (const [i, runId] of runIds.entries()) {
      const other = i < 3 ? b : a; // each run is read through the API that did not start it
      expect((await ended(other, runId)).body.status).toBe('completed');
      await expectSoundTimeline(other, runId, ['notify-dns', 'check-app']);
    }
    for (const p of ['/dns', '/app']) {
      const keys = callsPerKey(target!.to(p));
      expect(Object.keys(keys).sort()).toEqual(runIds.map((r) => `${r}/${p === '/dns' ? 'notify-dns' : 'check-app'}`).sort());
    }
    // Listed from the durable records, whose final write follows the timeline's last event.
    const listed = await waitFor(
      'every run to be listed as completed',
      async () => ((await b.get(`/runs?runbook=${runbook}&status=completed`)).body.runs as Array<{ runId: string }>).map((r) => r.runId).sort(),
      (ids) => ids.length === runIds.length,
    );
    expect(listed).toEqual([...runIds].sort());
  });

  it('finishes a run on the other worker after SIGKILL of the worker running its http step, under the same keys', async () => {
    const [a, b] = apis as [Api, Api];
    const steps = ['prepare', 'promote', 'repoint'];
    const runbook = await upload(b, {
      id: 'cluster-failover',
      // In sequence (steps without `needs` run in parallel): the kill lands while promote alone is in flight.
      steps: steps.map((id, i) => ({ id, action: 'http', with: { method: 'POST', url: `${target!.url}/${id}` }, ...(i ? { needs: [steps[i - 1]] } : {}) })),
    });
    const runId = await trigger(a, runbook);

    await waitFor(
      'the target to hold the promote request',
      async () => target!.to('/promote').length,
      (n) => n >= 1,
      60_000,
    );
    // The worker that runs the activity, by its identity (the SDK's default, `<pid>@<host>`).
    const pending = await waitFor(
      'the promote activity to show its worker',
      async () => (await client.workflow.getHandle(runId).describe()).raw.pendingActivities ?? [],
      (acts) => acts.some((x) => x.lastWorkerIdentity),
      10_000,
    );
    const identity = pending.find((x) => x.lastWorkerIdentity)!.lastWorkerIdentity!;
    const running = workers.find((w) => identity.startsWith(`${w.pid}@`));
    expect({ identity, running: running?.pid }).toEqual({ identity, running: expect.any(Number) });
    expect(target!.to('/promote')[0]!.hungUp).toBe(false); // still in flight: killed mid-step, not after it
    await stopWorkerProcess(running!, 'SIGKILL');

    const final = await ended(b, runId, 120_000);
    expect(final.body.status).toBe('completed');
    expect(final.body.state.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual(steps.map((s) => [s, 'succeeded']));

    // One key per step; the promote call lost with its worker may be repeated, but only under its own key.
    for (const s of steps) expect(Object.keys(callsPerKey(target!.to(`/${s}`)))).toEqual([`${runId}/${s}`]);
    expect(target!.to('/prepare')).toHaveLength(1);
    expect(target!.to('/repoint')).toHaveLength(1);
    const promotes = target!.to('/promote');
    console.log(`promote calls after the SIGKILL: ${promotes.length} (under one key), first hung up: ${promotes[0]!.hungUp}`);

    const events = await expectSoundTimeline(b, runId, steps);
    expect(events.filter((e) => e.type === 'step.started').map((e) => e.stepId)).toEqual(steps);
    expect(events.filter((e) => e.type === 'step.redispatched').map((e) => e.stepId)).toEqual(['promote']);
  });
});
