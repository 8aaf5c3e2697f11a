import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../config';
import { startTestLifeboat } from '../harness/lifeboat';
import { startRun } from '../harness/runs';

// The worker's memory is bounded by what it keeps (cached runs) and what it runs at once (step activities), both
// from the configuration rather than Temporal's defaults, which follow the V8 heap limit of the machine.
describe('worker sizing', () => {
  it('keeps no more runs in its cache than LIFEBOAT_WORKER_CACHED_RUNS, and still answers for the evicted ones', async () => {
    const lb = await startTestLifeboat({ LIFEBOAT_WORKER_CACHED_RUNS: '2' });
    try {
      const definition = { steps: [{ id: 'gate', action: 'approval', with: { approvers: ['operator'] } }] };
      const runs = await Promise.all(Array.from({ length: 5 }, () => startRun(lb, definition)));
      // Every run has reached its approval (each query of an evicted run replays it), and the cache never held them all.
      let most = 0;
      for (const run of runs) {
        await run.until('the approval to wait', (s) => {
          most = Math.max(most, lb.worker.getStatus().numCachedWorkflows);
          return s.steps[0]?.status === 'waiting';
        });
      }
      expect(lb.worker.getStatus().numCachedWorkflows).toBeLessThanOrEqual(2);
      expect(most).toBeLessThanOrEqual(2);
      await Promise.all(runs.map((r) => r.handle.terminate('test over')));
    } finally {
      await lb.stop();
    }
  }, 90_000);

  it('runs no more step activities at once than LIFEBOAT_WORKER_ACTIVITIES; the others wait and then run', async () => {
    // The target counts the calls it holds open at once: those are the step activities running.
    let open = 0;
    let most = 0;
    const target = http.createServer((req, res) => {
      most = Math.max(most, ++open);
      req.resume();
      setTimeout(() => {
        open--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }, 400);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const lb = await startTestLifeboat({ LIFEBOAT_WORKER_ACTIVITIES: '1' });
    try {
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
      const definition = { steps: [{ id: 'call', action: 'http', with: { url: `${url}/call` } }] };
      const runs = await Promise.all(Array.from({ length: 3 }, () => startRun(lb, definition)));
      const ended = await Promise.all(runs.map((r) => r.result()));
      expect(ended.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
      expect(most).toBe(1);
    } finally {
      await lb.stop();
      target.closeAllConnections();
      await new Promise((r) => target.close(r));
    }
  }, 90_000);

  it('refuses a cache of fewer than 2 runs, naming the variable', () => {
    expect(() => loadConfig({ LIFEBOAT_WORKER_CACHED_RUNS: '1' })).toThrow(/LIFEBOAT_WORKER_CACHED_RUNS: LIFEBOAT_WORKER_CACHED_RUNS must be at least 2/);
    expect(() => loadConfig({ LIFEBOAT_WORKER_ACTIVITIES: '0' })).toThrow(/LIFEBOAT_WORKER_ACTIVITIES/);
    expect(loadConfig({})).toMatchObject({ LIFEBOAT_WORKER_CACHED_RUNS: 500, LIFEBOAT_WORKER_ACTIVITIES: 100 });
  });
});
