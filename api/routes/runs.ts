import { Router } from 'express';
import { z } from 'zod';
import { RunMode } from '../../store/runs';
import type { RunService } from '../../runs/service';
import { parseOr400 } from '../errors';

export const TriggerRunBody = z.strictObject({
  runbook: z.string().min(1, 'name the runbook to run'),
  version: z.number().int().positive().optional(),
  mode: RunMode,
  parameters: z.record(z.string(), z.unknown()).optional(),
  declaredAt: z.iso.datetime({ offset: true }).optional(),
});
export type TriggerRunBody = z.infer<typeof TriggerRunBody>;

const RunIdParams = z.object({ id: z.string().min(1).max(200) });

/** Trigger runs and read their status and timeline. */
export function runsRouter(runs: RunService): Router {
  const router = Router();

  router.post('/runs', async (req, res) => {
    const body = parseOr400(TriggerRunBody, req.body ?? {}, 'body');
    const started = await runs.trigger(body, 'api', { kind: 'api', by: 'api' });
    res.status(201).location(`/runs/${encodeURIComponent(started.runId)}`).json(started);
  });

  router.get('/runs/:id', async (req, res) => {
    const { id } = parseOr400(RunIdParams, req.params, 'path');
    const { record, state } = await runs.get(id);
    res.json({ ...record, state: state ?? null });
  });

  router.get('/runs/:id/timeline', async (req, res) => {
    const { id } = parseOr400(RunIdParams, req.params, 'path');
    res.json({ runId: id, events: await runs.timeline(id) });
  });

  router.get('/runs/:id/verify', async (req, res) => {
    const { id } = parseOr400(RunIdParams, req.params, 'path');
    res.json({ runId: id, ...(await runs.verify(id)) });
  });

  return router;
}
