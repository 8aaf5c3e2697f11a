// Standalone API process (docker-compose, clusters): needs TEMPORAL_ADDRESS and MONGODB_URI; syncs the runbooks
// folder (LIFEBOAT_RUNBOOKS) into the registry at start, like `npm start` does.
import { Client, Connection } from '@temporalio/client';
import path from 'node:path';
import { loadConfig } from '../config';
import { assertNotificationConfig } from '../notify/check';
import { RunService } from '../runs/service';
import { signerFrom } from '../runs/signing';
import { connectStore } from '../store/connection';
import { ensureRunIndexes } from '../store/runs';
import { syncRunbooks } from '../store/sync';
import { setTimelineCacheBytes } from '../store/timeline';
import { temporalConnectionOptions } from '../temporal/connection';
import { createLogger, stdout, type Logger } from '../logging/logger';
import { processLogger } from '../logging/process';
import { startTracing } from '../tracing/start';
import { createApp } from './app';
import { apiSecurity } from './security';
import { listen } from './listen';

let logger: Logger | undefined;

async function main(): Promise<void> {
  const config = loadConfig();
  logger = processLogger(config, { base: { component: 'api' } });
  const log = logger;
  assertNotificationConfig(config, (w) => log.warn(w));
  if (!config.TEMPORAL_ADDRESS || !config.MONGODB_URI) {
    throw new Error("the standalone API needs TEMPORAL_ADDRESS and MONGODB_URI; for a local setup run 'npm start' instead");
  }
  const signer = signerFrom(config);
  const store = await connectStore(config.MONGODB_URI);
  await ensureRunIndexes(store.db);
  const tracing = await startTracing(config);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: { workflow: tracing?.clientInterceptors ?? [] } });
  for (const r of await syncRunbooks(store.db, path.resolve(config.LIFEBOAT_RUNBOOKS))) {
    if (r.errors) r.errors.forEach((e) => log.error(`runbook not loaded: ${e}`));
    else log.info({ runbook: r.id, version: r.version }, 'runbook synced');
    if (r.warning) log.warn(r.warning);
  }
  setTimelineCacheBytes(config.LIFEBOAT_TIMELINE_CACHE_MB * 1e6);
  const runs = new RunService({ client, db: store.db, taskQueue: config.TEMPORAL_TASK_QUEUE, signer, evidenceKey: config.evidenceKey?.publicKey });
  const app = createApp({
    client,
    db: store.db,
    namespace: config.TEMPORAL_NAMESPACE,
    runs,
    adminToken: config.LIFEBOAT_ADMIN_TOKEN,
    metricsPublic: config.LIFEBOAT_METRICS_PUBLIC,
    security: apiSecurity(config),
    temporalUiUrl: config.LIFEBOAT_TEMPORAL_UI_URL,
    publicUrl: config.LIFEBOAT_PUBLIC_URL,
    logger: log,
    tracing: tracing !== undefined,
  });
  const server = await listen(app, config.PORT, config.HOST);
  log.info({ url: `http://${config.HOST}:${config.PORT}`, tracing: tracing !== undefined }, 'listening');
  const stop = () =>
    server.close(() => {
      // server.close ignores what its callback returns, so a failed close is reported here, not left unhandled.
      (async () => {
        await connection.close();
        await store.close();
        await tracing?.shutdown();
        process.exit(0);
      })().catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
    });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  (logger ?? createLogger({ level: 'info', destination: stdout(), base: { component: 'api' } })).fatal(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
