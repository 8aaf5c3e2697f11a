// `npm run bench`: every figure of docs/performance.md in one invocation, each against a raw Temporal baseline on the
// same servers where one exists. Prints one JSON object per scenario. Not a test: nothing here asserts a time.
// BENCH_SCENARIOS=a,b picks scenarios; BENCH_* in each scenario's module scale them down.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { bundleWorkflowCode } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { RunService } from '../runs/service';
import { silentLogger } from '../logging/logger';
import { startLifeboat } from '../servers/lifeboat';
import { startServers } from '../servers/local';
import { loadAverage, startTarget, type BenchContext, type Scenario } from './context';
import { drills } from './drills';
import { burst } from './burst';
import { engineScenarios } from './engine';
import { metricsScenario } from './metrics';
import { storeScenario } from './ferretdb';
import { validate1mib } from './validate-1mib';
import { readsScenario } from './reads';

const SCENARIOS: Scenario[] = [
  ...engineScenarios,
  burst,
  drills,
  storeScenario,
  { name: 'metrics', run: async (ctx) => console.log(JSON.stringify(await metricsScenario(ctx.lb, ctx.servers.mongoUri))) },
  validate1mib,
  readsScenario,
  // Further suites register here, one line each.
];

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // The bench's own keys unless given; the per-token rate limit is lifted so a burst measures the engine, not the limiter.
  process.env.LIFEBOAT_SIGNING_KEY ??= randomBytes(32).toString('base64');
  process.env.LIFEBOAT_ADMIN_TOKEN ??= randomBytes(24).toString('base64url');
  process.env.LIFEBOAT_RATE_LIMIT ??= '1000000';
  process.env.LIFEBOAT_RATE_BURST ??= '1000000';
  process.env.LIFEBOAT_EGRESS_ALLOW ??= '127.0.0.0/8'; // the steps call the bench's own target on loopback
  const only = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim());
  const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length) throw new Error(`BENCH_SCENARIOS: no scenario ${unknown.join(', ')}; there are ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bench-'));
  const config = loadConfig();
  const servers = await startServers(config, { home, ephemeral: true, log: (l) => console.error(`bench: ${l}`) });
  const target = await startTarget();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: new DefaultLogger('ERROR') });
  const taskQueue = 'bench';
  const lb = await startLifeboat({
    config,
    temporalAddress: servers.temporalAddress,
    // Command monitoring lets the bench count the store round trips a step costs.
    mongoUri: `${servers.mongoUri}${servers.mongoUri.includes('?') ? '&' : '?'}monitorCommands=true`,
    smtpUrl: servers.smtpUrl,
    taskQueue,
    port: 0,
    workflowBundle,
    logger: silentLogger, // stdout is the bench's JSON lines
  });
  const runs = new RunService({ client: lb.client, db: lb.store.db, taskQueue, signer: lb.signer });
  const ctx: BenchContext = {
    config,
    servers,
    lb,
    runs,
    taskQueue,
    adminToken: process.env.LIFEBOAT_ADMIN_TOKEN,
    target,
    home,
    print: (scenario, figures) => console.log(JSON.stringify({ scenario, ...figures, load: loadAverage() })),
  };
  try {
    for (const s of SCENARIOS) {
      if (only && !only.includes(s.name)) continue;
      // One scenario failing says so and the others still run.
      await s.run(ctx).catch((err: unknown) => {
        console.error(`bench: ${s.name}: ${err instanceof Error ? err.stack : String(err)}`);
        ctx.print(s.name, { error: err instanceof Error ? err.message : String(err) });
        process.exitCode = 1;
      });
    }
  } finally {
    await lb.stop();
    await target.close();
    await servers.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
