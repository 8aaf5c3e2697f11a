import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunService } from '../../runs/service';
import { readTimeline, verifyTimeline } from '../../store/timeline';
import { runStateQuery } from '../../contract/messages';
import { workflowBundle } from '../harness/lifeboat';
import { registerRunbook, useLifeboat } from '../harness/runs';
import { waitFor } from '../harness/wait';

const env = useLifeboat();
let bundlePath: string;
beforeAll(async () => {
  bundlePath = path.join(mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bundle-')), 'workflows.js');
  writeFileSync(bundlePath, (await workflowBundle()).code);
});

/** Starts a worker process on `taskQueue` and resolves once it polls. */
function startWorkerProcess(taskQueue: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--require', path.join(__dirname, '../harness/ts-register.js'), path.join(__dirname, '../harness/worker-process.ts')], {
    env: { ...process.env, LIFEBOAT_TEST_TASK_QUEUE: taskQueue, LIFEBOAT_TEST_BUNDLE: bundlePath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
}

describe('crash recovery', () => {
  it('completes a run after its worker is SIGKILLed mid-run, running no completed step again', async () => {
    const taskQueue = `crash-${randomUUID()}`;
    const id = randomUUID().slice(0, 8);
    const call = (n: string, extra: Record<string, unknown> = {}) => ({ id: n, action: 'http', with: { method: 'POST', url: `${env.target.url}/${id}/${n}` }, ...extra });
    const runbook = await registerRunbook(env.lb, {
      steps: [
        call('a'),
        { id: 'pause1', action: 'wait', with: { duration: '3s' }, needs: ['a'] },
        call('b', { needs: ['pause1'] }),
        { id: 'pause2', action: 'wait', with: { duration: '2s' }, needs: ['b'] },
        call('c', { needs: ['pause2'] }),
      ],
    });
    let worker = await startWorkerProcess(taskQueue);
    const runs = new RunService({ client: env.lb.client, db: env.lb.store.db, taskQueue, signer: env.lb.signer });
    const { runId } = await runs.trigger({ runbook, mode: 'recovery' }, 'alice', { kind: 'api', by: 'alice' });
    const handle = env.lb.client.workflow.getHandle(runId);
    await waitFor(
      'pause1 to run',
      () => handle.query(runStateQuery),
      (s) => s.steps[1]!.status === 'running',
      30_000,
    );

    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    worker = await startWorkerProcess(taskQueue);
    try {
      const final = await handle.result();
      expect(final.status).toBe('completed');
    } finally {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    expect(['a', 'b', 'c'].map((n) => env.target.count(`/${id}/${n}`))).toEqual([1, 1, 1]);

    const { events } = await readTimeline(env.lb.store.db, runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const keys = events.map((e) => `${e.type}/${e.stepId ?? ''}/${e.attempt ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(events.filter((e) => e.type === 'step.succeeded').map((e) => e.stepId)).toEqual(['a', 'pause1', 'b', 'pause2', 'c']);
    expect(await verifyTimeline(env.lb.store.db, runId)).toMatchObject({ ok: true, events: events.length });
  }, 180_000);
});
