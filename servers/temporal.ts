import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import path from 'node:path';
import { SEARCH_ATTRIBUTE } from '../contract/names';
import { serverBinary } from './binaries';
import { portAnswers, startProcess, waitUntil, type Started } from './process';

export interface TemporalDevOptions {
  port: number;
  uiPort?: number; // omitted: headless
  httpPort: number;
  metricsPort: number;
  dbFile?: string; // omitted: in memory
  namespace: string;
  logFile: string;
}

/** True when a Temporal frontend answers at `address` and knows `namespace`. */
export async function temporalAnswers(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}

/** Starts `temporal server start-dev` and waits until its frontend serves the namespace. */
export async function startTemporalDev(o: TemporalDevOptions): Promise<Started> {
  if (await portAnswers(o.port)) throw new Error(`port ${o.port} (Temporal) is already in use: stop what uses it or set TEMPORAL_PORT`);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(o.port),
    '--http-port',
    String(o.httpPort),
    '--metrics-port',
    String(o.metricsPort),
    '--namespace',
    o.namespace,
    '--log-level',
    'warn',
    // The dev server otherwise calls home to check for a newer version; this machine has no internet.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    ...Object.values(SEARCH_ATTRIBUTE).flatMap((key) => ['--search-attribute', `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`]),
  ];
  if (o.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  if (o.dbFile) args.push('--db-filename', path.resolve(o.dbFile));
  const started = startProcess('temporal', serverBinary('temporal'), args, o.logFile);
  try {
    await waitUntil('Temporal dev server', () => temporalAnswers(`127.0.0.1:${o.port}`, o.namespace), 90_000, started, o.logFile);
  } catch (err) {
    await started.stop();
    throw err;
  }
  return started;
}
