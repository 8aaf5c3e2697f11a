// Standalone worker process (docker-compose, clusters): needs TEMPORAL_ADDRESS, MONGODB_URI and SMTP_URL.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createLogger, stdout, type Logger } from '../logging/logger';
import { processLogger } from '../logging/process';
import { processRegistry } from '../metrics/registry';
import { RunMetrics } from '../metrics/runs';
import { assertNotificationConfig } from '../notify/check';
import { signerFrom } from '../runs/signing';
import { connectStore } from '../store/connection';
import { temporalConnectionOptions } from '../temporal/connection';
import { startTracing } from '../tracing/start';
import { serveWorkerMetrics } from './metrics-server';
import { installRuntime, runtimeOptions } from './runtime';
import { createLifeboatWorker } from './worker';

let logger: Logger | undefined;

async function main(): Promise<void> {
  const config = loadConfig();
  logger = processLogger(config, { base: { component: 'worker' } });
  assertNotificationConfig(config, (w) => logger!.warn(w));
  const missing = (['TEMPORAL_ADDRESS', 'MONGODB_URI', 'SMTP_URL'] as const).filter((k) => !config[k]);
  if (missing.length) throw new Error(`the standalone worker needs ${missing.join(', ')}; for a local setup run 'npm start' instead`);
  signerFrom(config); // checks updates and starts with it: refuse to start without one
  installRuntime({ ...runtimeOptions(logger), temporalMetricsAddress: config.LIFEBOAT_TEMPORAL_METRICS_ADDRESS });
  const tracing = await startTracing(config);
  const registry = processRegistry(process.env);
  const store = await connectStore(config.MONGODB_URI!);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const worker = await createLifeboatWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: { store, config, smtpUrl: config.SMTP_URL!, env: process.env, metrics: new RunMetrics(registry) },
    logger,
    tracing,
  });
  const endpoint = config.LIFEBOAT_WORKER_METRICS_ADDRESS
    ? await serveWorkerMetrics(config.LIFEBOAT_WORKER_METRICS_ADDRESS, {
        registry,
        async ready() {
          const running = worker.getState() === 'RUNNING';
          const mongodb = await store.db.command({ ping: 1 }).then(
            () => 'up',
            () => 'down',
          );
          return { ready: running && mongodb === 'up', detail: { worker: worker.getState(), mongodb } };
        },
      })
    : undefined;
  if (endpoint) logger.info({ url: endpoint.url }, 'metrics, /livez and /readyz served');
  if (config.LIFEBOAT_TEMPORAL_METRICS_ADDRESS) logger.info({ url: `http://${config.LIFEBOAT_TEMPORAL_METRICS_ADDRESS}/metrics` }, 'Temporal SDK metrics served');
  if (!config.evidenceKey) logger.warn('LIFEBOAT_EVIDENCE_KEY is not set: timeline heads are kept in Temporal unsigned (docs/evidence.md)');
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS, tracing: tracing !== undefined }, 'polling');
  await worker.run(); // resolves after SIGINT/SIGTERM: the SDK installs those handlers and shuts down cleanly
  await endpoint?.close();
  await connection.close();
  await store.close();
  await tracing?.shutdown();
}

main().catch((err: unknown) => {
  (logger ?? createLogger({ level: 'info', destination: stdout(), base: { component: 'worker' } })).fatal(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
