// What every bench scenario gets: the servers, one Lifeboat (worker and API in this process), the HTTP target the
// steps call, and a printer that puts the machine's load next to every figure (ratios survive load; ms do not).
import type { Servers } from '../servers/local';
import type { Lifeboat } from '../servers/lifeboat';
import type { Config } from '../config';
import type { RunService } from '../runs/service';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';

export interface BenchContext {
  config: Config;
  servers: Servers;
  lb: Lifeboat;
  runs: RunService;
  taskQueue: string;
  adminToken: string;
  target: Target;
  /** The bench's temporary folder. */
  home: string;
  /** Prints one JSON line for a scenario, with the load average at the time. */
  print(scenario: string, figures: Record<string, unknown>): void;
}

/** One scenario of `npm run bench`; `name` is what BENCH_SCENARIOS selects. */
export interface Scenario {
  name: string;
  run(ctx: BenchContext): Promise<void>;
}

/** The HTTP target of every step: answers 200 at once and tells listeners when a path is first hit. */
export interface Target {
  url: string;
  /** Resolves with the time (ms) `path` is next requested. */
  hit(path: string): Promise<number>;
  close(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  const waiting = new Map<string, (at: number) => void>();
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const w = waiting.get(req.url ?? '/');
    if (w) {
      waiting.delete(req.url ?? '/');
      w(at);
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hit: (path) => new Promise((resolve) => waiting.set(path, resolve)),
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

export const round2 = (x: number) => Math.round(x * 100) / 100;

/** The p-th percentile (0..100) of xs, nearest rank. */
export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (xs: number[]) => percentile(xs, 50);

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Runs `f` over `items` with at most `limit` at once. */
export async function pool<T, R>(items: T[], limit: number, f: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!, i);
      }
    }),
  );
  return out;
}

/**
 * MongoDB commands the Lifeboat worker and API send while `f` runs, counted under the name `name` gives each (by
 * default its command name; undefined leaves a command out).
 */
export async function countingCommands<T>(
  ctx: BenchContext,
  f: () => Promise<T>,
  name: (e: { commandName: string; command: Record<string, unknown> }) => string | undefined = (e) => e.commandName,
): Promise<{ value: T; commands: Record<string, number>; total: number }> {
  const client = ctx.lb.store.client;
  const commands: Record<string, number> = {};
  const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
    const key = name(e);
    if (key !== undefined) commands[key] = (commands[key] ?? 0) + 1;
  };
  client.on('commandStarted', listener);
  try {
    const value = await f();
    return { value, commands, total: Object.values(commands).reduce((a, b) => a + b, 0) };
  } finally {
    client.off('commandStarted', listener);
  }
}
