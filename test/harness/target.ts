// A local HTTP target for idempotency tests: records each call's Idempotency-Key, can hold a request open (a slow
// target, for faults during the call) and notes when the caller hung up before the answer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KeyedCall {
  path: string;
  key: string | undefined;
  at: number;
  /** True once the caller closed the connection before the target answered. */
  hungUp: boolean;
}

/** Answers each call as told (`holdMs` keeps it open that long first); the n-th call to a path is numbered from 1. */
export async function startKeyedTarget(answer: (path: string, n: number) => { status: number; holdMs?: number }) {
  const calls: KeyedCall[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const call: KeyedCall = { path: req.url ?? '/', key: req.headers['idempotency-key'] as string | undefined, at: Date.now(), hungUp: false };
      calls.push(call);
      const a = answer(call.path, calls.filter((c) => c.path === call.path).length);
      const timer = setTimeout(() => res.writeHead(a.status, { 'content-type': 'application/json' }).end('{"ok":true}'), a.holdMs ?? 0);
      res.on('close', () => {
        if (!res.writableFinished) call.hungUp = true;
        clearTimeout(timer);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    /** The calls to `path`, in order. */
    to: (path: string) => calls.filter((c) => c.path === path),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Calls per Idempotency-Key: repeats under one key are a retry or re-dispatch, a second key is a second execution. */
export function callsPerKey(calls: Array<{ key: string | undefined }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.key ?? '(none)'] = (out[c.key ?? '(none)'] ?? 0) + 1;
  return out;
}
