import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../store/connection';
import { addRoute } from '../route';

const Probe = z.object({ status: z.enum(['up', 'down']), error: z.string().optional() });
type Probe = z.infer<typeof Probe>;

export const Health = z.object({ status: z.enum(['up', 'down']), temporal: Probe, mongodb: Probe }).meta({ id: 'Health' });
export type Health = z.infer<typeof Health>;

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<Probe> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health: Temporal and MongoDB separately; 503 when either is down. Unauthenticated, for load balancers. */
export function healthRouter(deps: { client: Client; db: Db; namespace: string }): Router {
  const router = Router();
  addRoute(
    router,
    {
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      tag: 'operations',
      access: 'public',
      summary: 'Whether Temporal and MongoDB answer',
      responses: { 200: { description: 'Both are up.', schema: Health }, 503: { description: 'Temporal or MongoDB is down; the body says which.', schema: Health } },
    },
    async ({ res }) => {
      const [temporal, mongodb] = await Promise.all([
        probe(() => deps.client.workflowService.describeNamespace({ namespace: deps.namespace })),
        probe(() => deps.db.command({ ping: 1 })),
      ]);
      const up = temporal.status === 'up' && mongodb.status === 'up';
      const answer: Health = { status: up ? 'up' : 'down', temporal, mongodb };
      res.status(up ? 200 : 503).json(answer);
    },
  );
  return router;
}
