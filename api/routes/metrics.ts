import { Router } from 'express';
import { z } from 'zod';
import type { RunMetrics } from '../../runs/metrics';
import { prometheusText } from '../prometheus';
import { addRoute } from '../route';

/**
 * GET /metrics in Prometheus text format. It needs the viewer role (run counts say what is being recovered),
 * unless LIFEBOAT_METRICS_PUBLIC=true makes it public for scrapers that cannot send a token.
 */
export function metricsRouter(metrics: RunMetrics, opts: { public: boolean }): Router {
  const router = Router();
  addRoute(
    router,
    {
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      tag: 'operations',
      access: opts.public ? 'public' : 'viewer',
      summary: 'Prometheus metrics: runs by status and mode, step durations, approvals waiting, RTO breaches',
      description: 'Public when the server runs with LIFEBOAT_METRICS_PUBLIC=true.',
      responses: { 200: { description: 'Prometheus text format 0.0.4.', schema: z.string(), contentType: 'text/plain; version=0.0.4' } },
    },
    async ({ res }) => {
      res.type('text/plain; version=0.0.4; charset=utf-8').send(prometheusText(await metrics.collect()));
    },
  );
  return router;
}
