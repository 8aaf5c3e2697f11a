import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunService } from '../../runs/service';
import { readTimeline } from '../../store/timeline';
import { registerRunbook, useLifeboat } from '../harness/runs';
import { waitFor } from '../harness/wait';
import { startWorkerProcess, stopWorkerProcess, writeWorkflowBundle } from '../harness/worker-spawn';

// A worker that dies while a step's request is in flight is an infrastructure fault, not a failed step: the same
// attempt is dispatched again, under the same Idempotency-Key, long before the step's own timeout.

const env = useLifeboat();
let bundlePath: string;
beforeAll(async () => {
  bundlePath = await writeWorkflowBundle();
});

/** A target that holds every request open for `holdMs` before answering 200, and records each call's key. */
async function startSlowTarget(holdMs: number) {
  const calls: Array<{ path: string; key: string | undefined; at: number }> = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls.push({ path: req.url ?? '/', key: req.headers['idempotency-key'] as string | undefined, at: Date.now() });
      const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), holdMs);
      res.on('close', () => clearTimeout(timer)); // the worker that sent it may be gone
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Calls per Idempotency-Key: repeats under one key are expected after a crash, a second key is a second execution. */
function callsPerKey(calls: Array<{ key: string | undefined }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.key ?? '(none)'] = (out[c.key ?? '(none)'] ?? 0) + 1;
  return out;
}

describe('a worker lost during a step', () => {
  it('re-dispatches the in-flight http step under the same key, records it, and does not fail the step', async () => {
    const target = await startSlowTarget(5_000);
    const taskQueue = `crash-step-${randomUUID()}`;
    // The default 60 s timeout and no retry: before, losing the worker here failed the run after 60 s.
    const runbook = await registerRunbook(env.lb, { steps: [{ id: 'promote', action: 'http', with: { method: 'POST', url: `${target.url}/promote` } }] });
    let worker: ChildProcess = await startWorkerProcess(taskQueue, bundlePath);
    try {
      const runs = new RunService({ client: env.lb.client, db: env.lb.store.db, taskQueue });
      const { runId } = await runs.trigger({ runbook, mode: 'recovery' }, 'alice', { kind: 'api', by: 'alice' });
      const handle = env.lb.client.workflow.getHandle(runId);

      await waitFor('the target to receive the request', async () => target.calls.length, (n) => n >= 1, 60_000);
      await stopWorkerProcess(worker, 'SIGKILL');
      const killedAt = Date.now();
      worker = await startWorkerProcess(taskQueue, bundlePath);

      const final = await handle.result();
      expect(final.status).toBe('completed');
      expect(final.steps[0]).toMatchObject({ id: 'promote', status: 'succeeded', attempts: 1 });

      expect(callsPerKey(target.calls)).toEqual({ [`${runId}/promote`]: 2 });
      // Noticed by the missing heartbeat, well before the 60 s step timeout would have ended the lost attempt.
      expect(target.calls[1]!.at - killedAt).toBeLessThan(40_000);

      const { events } = await readTimeline(env.lb.store.db, runId);
      const of = (type: string) => events.filter((e) => e.type === type && e.stepId === 'promote');
      expect(of('step.started')).toHaveLength(1);
      expect(of('step.succeeded')).toHaveLength(1);
      expect(of('step.failed')).toHaveLength(0);
      expect(of('step.redispatched')).toEqual([expect.objectContaining({ attempt: 1, detail: expect.objectContaining({ reason: expect.any(String), redispatches: 1 }) })]);
    } finally {
      await stopWorkerProcess(worker);
      await target.close();
    }
  }, 180_000);
});
