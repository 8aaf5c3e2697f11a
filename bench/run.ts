// `npm run bench`: Lifeboat's per-step overhead against hand-written Temporal workflows doing the same work, on the
// same servers in the same process. Prints one JSON object per scenario. Not a test: nothing here asserts a time.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { validateRunbookObject } from '../model/validate';
import { RunService } from '../runs/service';
import { silentLogger } from '../logging/logger';
import { startLifeboat } from '../servers/lifeboat';
import { startServers } from '../servers/local';
import { saveRunbook } from '../store/registry';
import { metricsScenario } from './metrics';

const N_SEQ = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const N_PAR = Number(process.env.BENCH_PARALLEL ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** `metrics` runs the metrics scenario alone. */
const ONLY = process.env.BENCH_ONLY;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bench-'));
  const config = loadConfig();
  const servers = await startServers(config, { home, ephemeral: true, log: (l) => console.error(`bench: ${l}`) });
  const target = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: new DefaultLogger('ERROR') });
  const lb = await startLifeboat({
    config,
    temporalAddress: servers.temporalAddress,
    mongoUri: servers.mongoUri,
    smtpUrl: servers.smtpUrl,
    taskQueue: 'bench',
    port: 0,
    workflowBundle,
    logger: silentLogger, // stdout is the bench's JSON lines
  });
  const runs = new RunService({ client: lb.client, db: lb.store.db, taskQueue: 'bench', signer: lb.signer });
  try {
    console.log(JSON.stringify(await metricsScenario(lb, servers.mongoUri)));
    for (const [scenario, n, parallel] of [
      ['sequential', N_SEQ, false],
      ['parallel', N_PAR, true],
    ] as const) {
      if (ONLY === 'metrics') break;
      const id = `bench-${scenario}`;
      const steps = Array.from({ length: n }, (_, i) => ({
        id: `s${i}`,
        action: 'http',
        with: { url: `${url}/step/${i}` },
        ...(!parallel && i > 0 ? { needs: [`s${i - 1}`] } : {}),
      }));
      const loaded = validateRunbookObject({ id, title: id, steps });
      if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
      await saveRunbook(lb.store.db, loaded.runbook, loaded.hash);
      const lifeboat: number[] = [];
      const raw: number[] = [];
      for (let round = 0; round <= ROUNDS; round++) {
        // Round 0 warms both paths up and is not counted.
        let t0 = Date.now();
        const { runId } = await runs.trigger({ runbook: id, mode: 'recovery' }, 'bench', { kind: 'cli', by: 'bench' });
        const state = await lb.client.workflow.getHandle(runId).result();
        if (state.status !== 'completed') throw new Error(`${scenario}: run ${runId} ${state.status}: ${state.error}`);
        if (round > 0) lifeboat.push(Date.now() - t0);
        t0 = Date.now();
        await lb.client.workflow.execute(parallel ? 'rawParallel' : 'rawSequential', { taskQueue: 'bench', workflowId: `${id}-raw-${round}-${Date.now()}`, args: [url, n] });
        if (round > 0) raw.push(Date.now() - t0);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const lifeboatMsPerStep = median(lifeboat) / n;
      const rawMsPerStep = median(raw) / n;
      console.log(
        JSON.stringify({
          scenario,
          steps: n,
          rounds: ROUNDS,
          lifeboatMsPerStep: round2(lifeboatMsPerStep),
          rawMsPerStep: round2(rawMsPerStep),
          ratio: round2(lifeboatMsPerStep / rawMsPerStep),
        }),
      );
    }
  } finally {
    await lb.stop();
    target.close();
    await servers.stop();
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
