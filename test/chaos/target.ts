// The chaos suite's target: one local HTTP server standing in for everything a runbook calls. It records every
// request with the key it came under (Idempotency-Key for http steps, X-Lifeboat-Delivery for webhooks), holds the
// slow ones open, and answers a check's polls "not yet" before "ready", so every kind of step does real I/O here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request, attributed to the run and step its path names (`/<kind>/<runId>/<stepId>`). */
export interface TargetCall {
  kind: string;
  runId: string;
  stepId: string;
  /** The key a repeat would share: Idempotency-Key (http), X-Lifeboat-Delivery (webhook); none for a check's polls. */
  key: string | undefined;
  at: number;
  /** True once the caller hung up before the answer (its worker died, or it gave up). */
  hungUp: boolean;
}

/** Starts the target; `/slow/...?hold=MS` answers after MS, `/check/...` answers `{ready: true}` from its second poll. */
export async function startChaosTarget() {
  const calls: TargetCall[] = [];
  const open = new Set<TargetCall>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://target');
      const [kind = '', runId = '', stepId = ''] = url.pathname.split('/').slice(1).map(decodeURIComponent);
      const key = (req.headers['idempotency-key'] ?? req.headers['x-lifeboat-delivery']) as string | undefined;
      const call: TargetCall = { kind, runId, stepId, key, at: Date.now(), hungUp: false };
      calls.push(call);
      const polls = kind === 'check' ? calls.filter((c) => c.kind === 'check' && c.runId === runId && c.stepId === stepId).length : 0;
      const body = kind === 'check' ? { ready: polls >= 2, polls } : { ok: true };
      open.add(call);
      const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)), Number(url.searchParams.get('hold') ?? 0));
      res.on('close', () => {
        open.delete(call);
        if (!res.writableFinished) call.hungUp = true;
        clearTimeout(timer);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    /** Requests the target is holding right now: steps in flight. */
    open: () => [...open],
    /** The calls one step of one run made, in order. */
    of: (runId: string, stepId: string) => calls.filter((c) => c.runId === runId && c.stepId === stepId),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type ChaosTarget = Awaited<ReturnType<typeof startChaosTarget>>;
