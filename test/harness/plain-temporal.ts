import path from 'node:path';
import { serverBinary } from '../../servers/binaries';
import { freePort, startProcess, waitUntil, type Started } from '../../servers/process';
import { temporalAnswers } from '../../servers/temporal';

/** Where a plain Temporal keeps its data and listens; omitted, it is in memory on free ports. */
export interface PlainTemporalOptions {
  /** A SQLite file, so the server can be killed and started again on the same history. */
  dbFile?: string;
  port?: number;
  httpPort?: number;
  metricsPort?: number;
}

/**
 * A Temporal dev server as any cluster is before Lifeboat met it: no `--search-attribute` flags and no dynamic
 * config of ours.
 */
export async function startPlainTemporal(home: string, o: PlainTemporalOptions = {}): Promise<Started & { address: string }> {
  const port = o.port ?? (await freePort());
  const logFile = path.join(home, 'logs', 'plain-temporal.log');
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(o.httpPort ?? (await freePort())),
    '--metrics-port',
    String(o.metricsPort ?? (await freePort())),
    '--log-level',
    'warn',
    ...(o.dbFile ? ['--db-filename', path.resolve(o.dbFile)] : []),
  ];
  const started = startProcess('temporal (plain)', serverBinary('temporal'), args, logFile);
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntil('plain Temporal dev server', () => temporalAnswers(address, 'default'), 90_000, started, logFile);
  } catch (err) {
    await started.stop();
    throw err;
  }
  return { ...started, address };
}
