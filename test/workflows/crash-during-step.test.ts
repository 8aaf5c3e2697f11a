import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { runReport } from '../../report/service';
import { RunService } from '../../runs/service';
import { readTimeline } from '../../store/timeline';
import { registerRunbook, startRun, useLifeboat } from '../harness/runs';
import { callsPerKey, startKeyedTarget } from '../harness/target';
import { waitFor } from '../harness/wait';
import { startWorkerProcess, stopWorkerProcess, writeWorkflowBundle } from '../harness/worker-spawn';

// A worker that dies while a step's request is in flight is an infrastructure fault, not a failed step: the same
// attempt is dispatched again, under the same Idempotency-Key, long before the step's own timeout.

const env = useLifeboat();
let bundlePath: string;
beforeAll(async () => {
  bundlePath = await writeWorkflowBundle();
});

describe('a worker lost during a step', () => {
  it('re-dispatches the in-flight http step under the same key, records it, and does not fail the step', async () => {
    const target = await startKeyedTarget(() => ({ status: 200, holdMs: 5_000 }));
    const taskQueue = `crash-step-${randomUUID()}`;
    // The default 60 s timeout and no retry: before, losing the worker here failed the run after 60 s.
    const runbook = await registerRunbook(env.lb, { steps: [{ id: 'promote', action: 'http', with: { method: 'POST', url: `${target.url}/promote` } }] });
    let worker: ChildProcess = await startWorkerProcess(taskQueue, bundlePath);
    try {
      const runs = new RunService({ client: env.lb.client, db: env.lb.store.db, taskQueue, signer: env.lb.signer });
      const { runId } = await runs.trigger({ runbook, mode: 'recovery' }, 'alice', { kind: 'api', by: 'alice' });
      const handle = env.lb.client.workflow.getHandle(runId);

      await waitFor(
        'the target to receive the request',
        async () => target.calls.length,
        (n) => n >= 1,
        60_000,
      );
      await stopWorkerProcess(worker, 'SIGKILL');
      const killedAt = Date.now();
      worker = await startWorkerProcess(taskQueue, bundlePath);

      const final = await handle.result();
      expect(final.status).toBe('completed');
      expect(final.steps[0]).toMatchObject({ id: 'promote', status: 'succeeded', attempts: 1 });

      expect(callsPerKey(target.calls)).toEqual({ [`${runId}/promote`]: 2 });
      expect(target.calls[0]!.hungUp).toBe(true); // the lost dispatch died with its worker
      // Noticed by the missing heartbeat, well before the 60 s step timeout would have ended the lost attempt.
      expect(target.calls[1]!.at - killedAt).toBeLessThan(40_000);

      const { events } = await readTimeline(env.lb.store.db, runId);
      const of = (type: string) => events.filter((e) => e.type === type && e.stepId === 'promote');
      expect(of('step.started')).toHaveLength(1);
      expect(of('step.succeeded')).toHaveLength(1);
      expect(of('step.failed')).toHaveLength(0);
      expect(of('step.redispatched')).toEqual([expect.objectContaining({ attempt: 1, detail: expect.objectContaining({ reason: expect.any(String), redispatches: 1 }) })]);
      // The drill report shows the re-dispatch among its deviations, with the one key the target saw.
      const report = await runReport({ runs, db: env.lb.store.db }, runId);
      expect(report.failures).toEqual([expect.objectContaining({ type: 'step.redispatched', stepId: 'promote', error: expect.stringContaining(`key ${runId}/promote`) })]);
    } finally {
      await stopWorkerProcess(worker);
      await target.close();
    }
  }, 180_000);

  it('does not take a long call for a lost worker: a call outlasting the heartbeat timeout completes, sent once', async () => {
    // Before, a step with a timeout over 60 s got a 30 s heartbeat timeout that the http activity never fed.
    const target = await startKeyedTarget(() => ({ status: 200, holdMs: 32_000 }));
    try {
      const run = await startRun(env.lb, { steps: [{ id: 'export', action: 'http', with: { method: 'POST', url: `${target.url}/export` }, timeout: '2m' }] });
      const final = await run.result();
      expect(final.steps[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(callsPerKey(target.calls)).toEqual({ [`${run.runId}/export`]: 1 });
      expect((await run.events()).filter((e) => e.type === 'step.redispatched')).toHaveLength(0);
    } finally {
      await target.close();
    }
  }, 120_000);
});
