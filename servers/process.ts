import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A child server process we started and must stop. */
export interface Started {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `cmd args`, logging its output to `logFile`; the caller waits for readiness separately. */
export function startProcess(name: string, cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Started {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    name,
    child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
      log.end();
    },
  };
}

/** True when something accepts TCP connections on host:port. */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * A port free right now, taken below the OS's ephemeral range: a port from inside it (what `listen(0)` gives) can be
 * taken by any outgoing connection between this answer and the server's bind, and a server we start then dies on
 * "address already in use". Each port is handed out once per process.
 */
export async function freePort(): Promise<number> {
  const [low, high] = portsBelowEphemeral();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  return osPort(); // the range is crowded: fall back to what the OS picks
}

const handedOut = new Set<number>();

/** [first, last) of the ports below the ephemeral range (Linux's /proc; 32768 elsewhere, the Linux default). */
function portsBelowEphemeral(): [number, number] {
  let ephemeralLow = 32768;
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first)) ephemeralLow = first;
  } catch {
    // not Linux: keep the default
  }
  return ephemeralLow > 12_000 ? [10_000, ephemeralLow] : [ephemeralLow, 65_535];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function osPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `check` until it resolves true, or fails naming `what` after `timeoutMs` (or when the process dies). */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, started?: Started, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (started && started.child.exitCode !== null) {
      throw new Error(`${what} exited with code ${started.child.exitCode} before it was ready${logFile ? `; see ${logFile}` : ''}`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s${logFile ? `; see ${logFile}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
