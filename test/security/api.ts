import type { AddressInfo } from 'node:net';
import { createApp, type ApiDeps } from '../../api/app';
import { listen } from '../../api/listen';
import { DEFAULT_SECURITY, type ApiSecurity } from '../../api/security';
import { RunService } from '../../runs/service';
import type { Lifeboat } from '../../servers/lifeboat';

/**
 * A second API on a test Lifeboat's servers and task queue, with its own security settings (rate limits, stream
 * caps, the review rule): cheaper than another worker. Answers its URL and a function that stops it.
 */
export async function apiWith(lb: Lifeboat & { adminToken: string; taskQueue: string }, security: Partial<ApiSecurity>, deps: Partial<ApiDeps> = {}) {
  const runs = new RunService({ client: lb.client, db: lb.store.db, taskQueue: lb.taskQueue, signer: lb.signer });
  const app = createApp({ client: lb.client, db: lb.store.db, namespace: 'default', runs, adminToken: lb.adminToken, security: { ...DEFAULT_SECURITY, ...security }, ...deps });
  const server = await listen(app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url, stop };
}

/** Whether an answer is RFC 9457 problem+json with the given status. */
export function isProblem(res: { status: number; headers: Headers; body: unknown }, status: number): boolean {
  const body = res.body;
  return (
    res.status === status &&
    (res.headers.get('content-type') ?? '').startsWith('application/problem+json') &&
    typeof body === 'object' &&
    body !== null &&
    Reflect.get(body, 'status') === status &&
    typeof Reflect.get(body, 'detail') === 'string'
  );
}
