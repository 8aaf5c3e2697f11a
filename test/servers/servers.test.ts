import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { startMailCatcher } from '../../servers/mailcatcher';
import { startTemporalDev } from '../../servers/temporal';
import { startFerretDb } from '../../servers/ferretdb';
import { startLifeboat } from '../../servers/lifeboat';

const ROOT = path.resolve(__dirname, '../..');

/** Holds a TCP port for the duration of `fn`. */
async function withBusyPort<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  try {
    return await fn(port);
  } finally {
    server.close();
  }
}

describe('tools/install-servers.sh', () => {
  it('fails with one line naming the missing Go toolchain and the fix', () => {
    const res = spawnSync('bash', [path.join(ROOT, 'tools/install-servers.sh')], {
      env: { PATH: '/usr/bin:/bin', HOME: os.homedir(), LIFEBOAT_CACHE: mkdtempSync(path.join(os.tmpdir(), 'lifeboat-nocache-')) },
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lifeboat-servers: error: Go 1\.24 or newer is needed .*: install Go .*, or set TEMPORAL_ADDRESS and MONGODB_URI to servers you run\.$/);
  });

  it('builds nothing when TEMPORAL_ADDRESS and MONGODB_URI name external servers', () => {
    const res = spawnSync('bash', [path.join(ROOT, 'tools/install-servers.sh')], {
      env: { PATH: '/usr/bin:/bin', HOME: os.homedir(), TEMPORAL_ADDRESS: 'temporal.example:7233', MONGODB_URI: 'mongodb://db.example/lifeboat' },
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('TEMPORAL_ADDRESS=temporal.example:7233 is set: using that Temporal, not building one');
  });
});

describe('a port already in use', () => {
  it('is named when Temporal cannot start', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-port-'));
    await withBusyPort(async (port) => {
      await expect(startTemporalDev({ port, httpPort: 0, metricsPort: 0, namespace: 'default', logFile: path.join(home, 't.log') })).rejects.toThrow(
        `port ${port} (Temporal) is already in use: stop what uses it or set TEMPORAL_PORT`,
      );
    });
  });

  it('is named when FerretDB cannot start', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-port-'));
    await withBusyPort(async (port) => {
      await expect(startFerretDb({ port, dataDir: home, logFile: path.join(home, 'f.log') })).rejects.toThrow(`port ${port} (FerretDB) is already in use`);
    });
  });

  it('is named when the mail catcher or the API cannot start', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-port-'));
    await withBusyPort(async (port) => {
      await expect(startMailCatcher({ port, dir: home })).rejects.toThrow(`port ${port} (SMTP) is already in use: stop what uses it or set SMTP_PORT`);
      const config = loadConfig({ ...process.env, PORT: String(port) });
      await expect(
        startLifeboat({ config, temporalAddress: process.env.TEMPORAL_ADDRESS!, mongoUri: process.env.MONGODB_URI!, smtpUrl: process.env.SMTP_URL!, taskQueue: `port-${port}` }),
      ).rejects.toThrow(`port ${port} (API) is already in use: stop what uses it or set PORT`);
    });
  });
});
