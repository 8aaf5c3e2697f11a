// The standalone worker's own endpoint (LIFEBOAT_WORKER_METRICS_ADDRESS): its counters, a liveness probe that
// checks nothing else, and a readiness probe that says what is not ready.
import { processRegistry } from '../../metrics/registry';
import { RunMetrics } from '../../metrics/runs';
import { hostPort, serveWorkerMetrics } from '../../worker/metrics-server';

describe('the worker metrics endpoint', () => {
  it('serves the worker registry, /livez and a /readyz that turns 503 when the worker is not ready', async () => {
    const registry = processRegistry({ LIFEBOAT_COMMIT: 'abc123' });
    const metrics = new RunMetrics(registry);
    const run = { runbook: 'rb', mode: 'drill', actions: new Map([['a', 'wait']]) };
    metrics.observe('r1', run, [
      { seq: 1, at: '2030-01-01T00:00:00.000Z', actor: 'lifeboat', type: 'step.started', stepId: 'a', attempt: 1, detail: { action: 'wait' } },
      { seq: 2, at: '2030-01-01T00:00:02.000Z', actor: 'lifeboat', type: 'step.succeeded', stepId: 'a', attempt: 1, detail: { durationMs: 2000, outputs: {} } },
      {
        seq: 3,
        at: '2030-01-01T00:00:02.000Z',
        actor: 'lifeboat',
        type: 'run.completed',
        detail: { recovery: { startedAt: '2030-01-01T00:00:00.000Z', elapsedMs: 2000, breached: false } },
      },
    ]);
    let ready = true;
    const endpoint = await serveWorkerMetrics('127.0.0.1:0', { registry, ready: async () => ({ ready, detail: { worker: ready ? 'RUNNING' : 'STOPPING' } }) });
    try {
      const text = await (await fetch(`${endpoint.url}/metrics`)).text();
      expect(text).toContain('lifeboat_runs_total{mode="drill",status="completed"} 1');
      expect(text).toContain('lifeboat_step_attempts_total{action="wait",outcome="succeeded"} 1');
      expect(text).toContain('lifeboat_step_duration_seconds_sum{action="wait",outcome="succeeded"} 2');
      expect(text).toMatch(/^lifeboat_build_info\{version="[^"]+",commit="abc123",node="v[\d.]+"\} 1$/m);
      const live = await fetch(`${endpoint.url}/livez`);
      expect([live.status, await live.json()]).toEqual([200, { status: 'up' }]);
      expect((await fetch(`${endpoint.url}/readyz`)).status).toBe(200);
      ready = false;
      const notReady = await fetch(`${endpoint.url}/readyz`);
      expect([notReady.status, await notReady.json()]).toEqual([503, { status: 'down', worker: 'STOPPING' }]);
      expect((await fetch(`${endpoint.url}/other`)).status).toBe(404);
      expect((await fetch(`${endpoint.url}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await endpoint.close();
    }
  });

  it('reads host:port and [v6]:port', () => {
    expect(hostPort('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(hostPort('[::]:9464')).toEqual({ host: '::', port: 9464 });
    expect(() => hostPort('9464')).toThrow(/not host:port/);
  });
});
