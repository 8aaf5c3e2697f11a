import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import { createApp } from '../api/app';
import { apiSecurity } from '../api/security';
import { listen } from '../api/listen';
import type { LocalServer } from '../api/routes/health';
import type { Config } from '../config';
import { processRegistry } from '../metrics/registry';
import { RunMetrics } from '../metrics/runs';
import { RunService } from '../runs/service';
import { signerFrom, type Signer } from '../runs/signing';
import { connectStore, type Store } from '../store/connection';
import { ensureRunIndexes } from '../store/runs';
import { setTimelineCacheBytes } from '../store/timeline';
import { retriesUntilStopping, temporalConnectionOptions } from '../temporal/connection';
import { createLifeboatWorker } from '../worker/worker';
import type { Logger } from '../logging/logger';
import { processLogger } from '../logging/process';
import type { Tracing } from '../tracing/start';

/** A running Lifeboat: worker and API on the given servers. */
export interface Lifeboat {
  url: string;
  store: Store;
  client: Client;
  worker: Worker;
  /** Signs what the API vouches for (LIFEBOAT_SIGNING_KEY). */
  signer: Signer;
  stop(): Promise<void>;
}

/** Connects to the servers and starts the worker and the HTTP API in this process. */
export async function startLifeboat(o: {
  config: Config;
  temporalAddress: string;
  mongoUri: string;
  smtpUrl: string;
  taskQueue?: string;
  port?: number;
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The API's and worker's log lines (default: the process's, from LOG_LEVEL). */
  logger?: Logger;
  /** Tracing, when it is on (tracing/start.ts). */
  tracing?: Tracing;
  /** The embedded default's supervised servers, shown by /health. */
  localServers?: () => LocalServer[];
  /** Temporal's web UI when LIFEBOAT_TEMPORAL_UI_URL does not say (the embedded default's dev server). */
  temporalUiUrl?: string;
}): Promise<Lifeboat> {
  const { config } = o;
  const logger = o.logger ?? processLogger(config);
  const taskQueue = o.taskQueue ?? config.TEMPORAL_TASK_QUEUE;
  const signer = signerFrom(config);
  // One registry for the process: the embedded worker's run and step metrics are served by the API's /metrics.
  const metrics = processRegistry(process.env);
  const runMetrics = new RunMetrics(metrics);
  const store = await connectStore(o.mongoUri);
  // What is open so far, closed in reverse when a later step fails (a refused TLS handshake, a setup error).
  const opened: Array<() => Promise<void>> = [() => store.close()];
  const unwind = async (err: unknown): Promise<never> => {
    for (const close of opened.reverse()) await close().catch(() => undefined);
    throw err;
  };
  // Set as stop() begins: the client's calls still in flight then fail instead of retrying into a closed channel.
  let stopping = false;
  const { connection, nativeConnection, worker } = await (async () => {
    await ensureRunIndexes(store.db);
    // Lazy, then connected: a connection whose first handshake fails is still closed (no channel left retrying).
    const connection = Connection.lazy({ ...temporalConnectionOptions(config, o.temporalAddress), interceptors: retriesUntilStopping(() => stopping) });
    opened.push(() => connection.close());
    await connection.ensureConnected();
    const nativeConnection = await NativeConnection.connect(temporalConnectionOptions(config, o.temporalAddress));
    opened.push(() => nativeConnection.close());
    const worker = await createLifeboatWorker({
      connection: nativeConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      deps: { store, config, smtpUrl: o.smtpUrl, env: process.env, metrics: runMetrics },
      workflowBundle: o.workflowBundle,
      logger: logger.child({ component: 'worker' }),
      tracing: o.tracing,
    });
    return { connection, nativeConnection, worker };
  })().catch(unwind);
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: { workflow: o.tracing?.clientInterceptors ?? [] } });
  const workerDone = worker.run();
  setTimelineCacheBytes(config.LIFEBOAT_TIMELINE_CACHE_MB * 1e6);
  const runs = new RunService({ client, db: store.db, taskQueue, signer, evidenceKey: config.evidenceKey?.publicKey });
  const app = createApp({
    client,
    db: store.db,
    namespace: config.TEMPORAL_NAMESPACE,
    runs,
    adminToken: config.LIFEBOAT_ADMIN_TOKEN,
    metrics,
    metricsPublic: config.LIFEBOAT_METRICS_PUBLIC,
    security: apiSecurity(config),
    publicUrl: config.LIFEBOAT_PUBLIC_URL,
    localServers: o.localServers,
    temporalUiUrl: config.LIFEBOAT_TEMPORAL_UI_URL ?? o.temporalUiUrl,
    logger: logger.child({ component: 'api' }),
    tracing: o.tracing !== undefined,
  });
  const server = await listen(app, o.port ?? config.PORT, config.HOST).catch(async (err: unknown) => {
    worker.shutdown();
    await workerDone.catch(() => undefined);
    await nativeConnection.close();
    await connection.close();
    await store.close();
    throw err;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    url: `http://${config.HOST}:${port}`,
    store,
    client,
    worker,
    signer,
    async stop() {
      stopping = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone.catch(() => undefined);
      await nativeConnection.close();
      await connection.close();
      await store.close();
    },
  };
}
