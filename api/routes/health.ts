import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Db } from '../../store/connection';

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<{ status: 'up' | 'down'; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); })]);
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health: Temporal and MongoDB separately; 503 when either is down. */
export function healthRouter(deps: { client: Client; db: Db; namespace: string }): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const [temporal, mongodb] = await Promise.all([
      probe(() => deps.client.workflowService.describeNamespace({ namespace: deps.namespace })),
      probe(() => deps.db.command({ ping: 1 })),
    ]);
    const up = temporal.status === 'up' && mongodb.status === 'up';
    res.status(up ? 200 : 503).json({ status: up ? 'up' : 'down', temporal, mongodb });
  });
  return router;
}
