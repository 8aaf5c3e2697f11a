// The metrics scenario of `npm run bench`: how long GET /metrics takes with BENCH_METRICS_RUNS runs stored (a tenth
// of them running, each fifth of those waiting on an approval), against GET /livez on the same API as the baseline.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app';
import { RunService } from '../runs/service';
import type { Lifeboat } from '../servers/lifeboat';
import { connectStore } from '../store/connection';
import { markRunning, openApproval } from '../store/live';
import { saveRun } from '../store/runs';

const N_RUNS = Number(process.env.BENCH_METRICS_RUNS ?? 1000);
const SCRAPES = Number(process.env.BENCH_METRICS_SCRAPES ?? 20);

/** One JSON line: median and slowest scrape, and the median /livez, in ms. */
export async function metricsScenario(lb: Lifeboat, mongoUri: string): Promise<Record<string, unknown>> {
  const store = await connectStore(`${mongoUri.replace(/\/[^/]*$/, '').replace(/\/$/, '')}/bench-metrics-${Date.now()}`);
  let server: Server | undefined;
  try {
    for (let i = 0; i < N_RUNS; i++) {
      const running = i % 10 === 0;
      const record = { runId: `run-${i}`, runbookId: `rb-${i % 7}`, version: 1, hash: 'h', mode: i % 2 ? 'recovery' : 'drill', requester: 'bench', parameters: {} } as const;
      const startedAt = new Date(Date.UTC(2030, 0, 1) + i * 1000).toISOString();
      await saveRun(store.db, { ...record, status: running ? 'running' : 'completed', trigger: { kind: 'cli', by: 'bench' }, startedAt });
      if (running) await markRunning(store.db, { runId: record.runId, runbookId: record.runbookId, mode: record.mode, since: startedAt });
      if (running && i % 50 === 0) await openApproval(store.db, { runId: record.runId, runbookId: record.runbookId, stepId: 'go', since: startedAt });
    }
    const runs = new RunService({ client: lb.client, db: store.db, taskQueue: 'bench-metrics', signer: lb.signer });
    const app = createApp({ client: lb.client, db: store.db, namespace: 'default', runs, metricsPublic: true });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const time = async (path: string): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${url}${path}`);
      await res.text();
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
      return performance.now() - t0;
    };
    await time('/metrics'); // warm-up, not counted
    const scrapes: number[] = [];
    const livez: number[] = [];
    for (let i = 0; i < SCRAPES; i++) {
      scrapes.push(await time('/metrics'));
      livez.push(await time('/livez'));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const r = (x: number) => Math.round(x * 10) / 10;
    return { scenario: 'metrics', runsStored: N_RUNS, scrapes: SCRAPES, scrapeMedianMs: r(median(scrapes)), scrapeMaxMs: r(Math.max(...scrapes)), livezMedianMs: r(median(livez)) };
  } finally {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await store.db.dropDatabase();
    await store.close();
  }
}
