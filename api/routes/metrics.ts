import { Router } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { addRoute } from '../route';

/**
 * GET /metrics in Prometheus text format: this process's registry (metrics/registry.ts). It needs the viewer role
 * (run counts say what is being recovered), unless LIFEBOAT_METRICS_PUBLIC=true makes it public for scrapers that
 * cannot send a token.
 */
export function metricsRouter(registry: Registry, opts: { public: boolean }): Router {
  const router = Router();
  addRoute(
    router,
    {
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      tag: 'operations',
      access: opts.public ? 'public' : 'viewer',
      summary: 'Prometheus metrics: runs running, approvals waiting, build and process metrics (and, with the embedded worker, runs and steps)',
      description: 'Public when the server runs with LIFEBOAT_METRICS_PUBLIC=true. Every metric is described in docs/operations.md.',
      responses: { 200: { description: 'Prometheus text format 0.0.4.', schema: z.string(), contentType: 'text/plain; version=0.0.4' } },
    },
    async ({ res }) => {
      const text = await registry.metrics();
      res.type(registry.contentType).send(text);
    },
  );
  return router;
}
