// Standalone worker process (docker-compose, clusters): needs TEMPORAL_ADDRESS, MONGODB_URI and SMTP_URL.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { processRegistry } from '../metrics/registry';
import { RunMetrics } from '../metrics/runs';
import { assertNotificationConfig } from '../notify/check';
import { signerFrom } from '../runs/signing';
import { connectStore } from '../store/connection';
import { temporalConnectionOptions } from '../temporal/connection';
import { serveWorkerMetrics } from './metrics-server';
import { installRuntime } from './runtime';
import { createLifeboatWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  assertNotificationConfig(config, (w) => console.warn(`lifeboat worker: warning: ${w}`));
  const missing = (['TEMPORAL_ADDRESS', 'MONGODB_URI', 'SMTP_URL'] as const).filter((k) => !config[k]);
  if (missing.length) throw new Error(`the standalone worker needs ${missing.join(', ')}; for a local setup run 'npm start' instead`);
  signerFrom(config); // checks updates and starts with it: refuse to start without one
  installRuntime({ temporalMetricsAddress: config.LIFEBOAT_TEMPORAL_METRICS_ADDRESS });
  const registry = processRegistry(process.env);
  const store = await connectStore(config.MONGODB_URI!);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const worker = await createLifeboatWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: { store, config, smtpUrl: config.SMTP_URL!, env: process.env, metrics: new RunMetrics(registry) },
    log: (line) => console.log(`lifeboat worker: ${line}`),
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
  if (endpoint) console.log(`lifeboat worker: metrics, /livez and /readyz on ${endpoint.url}`);
  if (config.LIFEBOAT_TEMPORAL_METRICS_ADDRESS) console.log(`lifeboat worker: Temporal SDK metrics on http://${config.LIFEBOAT_TEMPORAL_METRICS_ADDRESS}/metrics`);
  if (!config.evidenceKey) console.warn('lifeboat worker: warning: LIFEBOAT_EVIDENCE_KEY is not set: timeline heads are kept in Temporal unsigned (docs/evidence.md)');
  console.log(`lifeboat worker: polling task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}`);
  await worker.run(); // resolves after SIGINT/SIGTERM: the SDK installs those handlers and shuts down cleanly
  await endpoint?.close();
  await connection.close();
  await store.close();
}

main().catch((err: unknown) => {
  console.error(`lifeboat worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
