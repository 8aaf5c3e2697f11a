import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../store/connection';
import type { Logger } from '../../logging/logger';
import { addRoute } from '../route';

const Probe = z.object({
  status: z.enum(['up', 'down']),
  error: z.string().optional().meta({ description: "What failed, in general terms; the driver's own message is in the API log, not here." }),
});
type Probe = z.infer<typeof Probe>;

/** A server the embedded default (`npm start`) started and supervises: `restarting` from its exit until it answers again. */
export const LocalServer = z.object({
  name: z.string(),
  status: z.enum(['up', 'restarting', 'stopped']),
  pid: z.number().int().optional(),
  restarts: z.number().int(),
  lastExit: z.string().optional().describe('How it last exited, e.g. "signal SIGKILL" or "code 1".'),
});
export type LocalServer = z.infer<typeof LocalServer>;

export const Health = z
  .object({ status: z.enum(['up', 'down']), temporal: Probe, mongodb: Probe, servers: z.array(LocalServer).optional().describe('Local servers the embedded default supervises.') })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof Health>;

export const Liveness = z.object({ status: z.literal('up') }).meta({ id: 'Liveness' });
export const Readiness = z.object({ status: z.enum(['up', 'down']), temporal: Probe, mongodb: Probe }).meta({ id: 'Readiness' });
type Readiness = z.infer<typeof Readiness>;

// /health is unauthenticated: a driver's error text (hosts, ports, user names, TLS details) goes to the log only.
// A late check is aborted, not left behind: a Temporal call still retrying with backoff when the connection closes
// would throw from its retry timer.
async function probe(log: Logger, component: string, check: (signal: AbortSignal) => Promise<unknown>, timeoutMs = 2000): Promise<Probe> {
  let timer: NodeJS.Timeout | undefined;
  const late = Symbol('late');
  const abort = new AbortController();
  try {
    const outcome = await Promise.race([
      check(abort.signal),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(late), timeoutMs);
      }),
    ]);
    if (outcome === late) {
      log.warn({ component, timeoutMs }, `health: ${component} did not answer in time`);
      return { status: 'down', error: `${component} did not answer within ${timeoutMs} ms` };
    }
    return { status: 'up' };
  } catch (err) {
    log.warn({ component, error: err instanceof Error ? err.message : String(err) }, `health: ${component} is down`);
    return { status: 'down', error: `${component} refused or failed the check; see the API log` };
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/**
 * GET /health: Temporal and MongoDB separately, and the local servers the embedded default supervises; 503 when
 * either is down or a local server is restarting. GET /livez: the process answers. GET /readyz: the store and
 * Temporal answer, so requests can be sent here. All unauthenticated, for load balancers and orchestrators.
 */
export function healthRouter(deps: { client: Client; db: Db; namespace: string; localServers?: () => LocalServer[] }): Router {
  const router = Router();
  const probes = (log: Logger) =>
    Promise.all([
      probe(log, 'Temporal', (signal) => deps.client.connection.withAbortSignal(signal, () => deps.client.workflowService.describeNamespace({ namespace: deps.namespace }))),
      probe(log, 'MongoDB', () => deps.db.command({ ping: 1 })),
    ]);
  addRoute(
    router,
    {
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      tag: 'operations',
      access: 'public',
      summary: 'Whether Temporal and MongoDB answer',
      responses: {
        200: { description: 'Both are up.', schema: Health },
        503: { description: 'Temporal or MongoDB is down, or a local server is restarting; the body says which.', schema: Health },
      },
    },
    async ({ res }) => {
      const servers = deps.localServers?.(); // as they were when asked, before the probes wait
      const [temporal, mongodb] = await probes(res.log);
      const up = temporal.status === 'up' && mongodb.status === 'up' && (servers ?? []).every((s) => s.status === 'up');
      const answer: Health = { status: up ? 'up' : 'down', temporal, mongodb, ...(servers ? { servers } : {}) };
      res.status(up ? 200 : 503).json(answer);
    },
  );
  addRoute(
    router,
    {
      method: 'get',
      path: '/livez',
      operationId: 'getLiveness',
      tag: 'operations',
      access: 'public',
      summary: 'Whether the API process answers (a liveness probe: it checks nothing else)',
      responses: { 200: { description: 'The process is up.', schema: Liveness } },
    },
    ({ res }) => {
      res.json({ status: 'up' });
    },
  );
  addRoute(
    router,
    {
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      tag: 'operations',
      access: 'public',
      summary: 'Whether the API can serve requests: MongoDB and Temporal answer (a readiness probe)',
      responses: {
        200: { description: 'Both answer.', schema: Readiness },
        503: { description: 'MongoDB or Temporal does not answer; the body says which.', schema: Readiness },
      },
    },
    async ({ res }) => {
      const [temporal, mongodb] = await probes(res.log);
      const up = temporal.status === 'up' && mongodb.status === 'up';
      const answer: Readiness = { status: up ? 'up' : 'down', temporal, mongodb };
      res.status(up ? 200 : 503).json(answer);
    },
  );
  return router;
}
