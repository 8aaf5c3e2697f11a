import path from 'node:path';
import { serverBinary } from '../../servers/binaries';
import { freePort, startProcess, waitUntil, type Started } from '../../servers/process';
import { temporalAnswers } from '../../servers/temporal';

/**
 * A Temporal dev server as any cluster is before Lifeboat met it: no `--search-attribute` flags and no dynamic
 * config of ours, on free ports, in memory.
 */
export async function startPlainTemporal(home: string): Promise<Started & { address: string }> {
  const port = await freePort();
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
    String(await freePort()),
    '--metrics-port',
    String(await freePort()),
    '--log-level',
    'warn',
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
