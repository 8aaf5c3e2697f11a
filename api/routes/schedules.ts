import { Router } from 'express';
import { z } from 'zod';
import type { ScheduleService } from '../../schedules/service';
import { CreateSchedule, ScheduleDetail, ScheduleId, ScheduleSummary } from '../../schedules/types';
import { principal } from '../auth';
import { addRoute } from '../route';

const IdParams = z.object({ id: ScheduleId });
const NoteBody = z.strictObject({ note: z.string().max(1000).optional().meta({ description: 'Why; shown with the schedule.' }) });
const ScheduleList = z.object({ schedules: z.array(ScheduleSummary) });
const Triggered = z.object({ scheduleId: z.string(), triggeredAt: z.string() }).meta({ id: 'ScheduleTriggered' });

const EXAMPLE = { id: 'weekly-orders-drill', runbook: 'orders-db-failover', cron: '0 3 * * MON', timezone: 'Europe/Paris', overlap: 'skip' };
const notFound = { 404: { description: 'No such schedule.' } };

/** Scheduled drills: Temporal Schedules starting runbook runs in drill mode. */
export function schedulesRouter(schedules: ScheduleService): Router {
  const router = Router();

  addRoute(
    router,
    {
      method: 'post',
      path: '/schedules',
      operationId: 'createSchedule',
      tag: 'schedules',
      access: 'admin',
      summary: 'Schedule a recurring drill of a runbook (a Temporal Schedule)',
      description:
        'Give `cron` (parsed by Temporal, in `timezone`, default UTC) or `every` (an interval such as 24h). Each start ' +
        'runs the runbook in drill mode, the latest version unless `version` pins one, recorded as triggered by the schedule. ' +
        'An unknown runbook is 404; a cron expression, time zone or parameter that does not fit is 400 at its path.',
      body: CreateSchedule,
      bodyExample: EXAMPLE,
      responses: {
        201: { description: 'Created; Location is the schedule.', schema: ScheduleDetail },
        400: {
          description:
            'The body does not fit the schema (`urn:lifeboat:problem:invalid-request`), or Temporal refuses the cron expression, or ' +
            "the `parameters` do not fit the runbook's (`urn:lifeboat:problem:invalid`): every problem is in `issues` with its path.",
        },
        404: { description: 'No such runbook or version.' },
        409: { description: 'A schedule with this id exists.' },
      },
    },
    async ({ body, res }) => {
      const created = await schedules.create(body);
      res
        .status(201)
        .location(`/schedules/${encodeURIComponent(created.id)}`)
        .json(created);
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/schedules',
      operationId: 'listSchedules',
      tag: 'schedules',
      access: 'viewer',
      summary: 'Every scheduled drill, with its next times and latest runs',
      description: "Read from Temporal's visibility store, which may lag a just-created schedule by a moment.",
      responses: { 200: { description: 'The schedules, by id.', schema: ScheduleList } },
    },
    async ({ res }) => {
      res.json({ schedules: await schedules.list() });
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/schedules/:id',
      operationId: 'getSchedule',
      tag: 'schedules',
      access: 'viewer',
      summary: 'A scheduled drill: timing, next action times, recent and running drills',
      params: IdParams,
      responses: { 200: { description: 'The schedule.', schema: ScheduleDetail }, ...notFound },
    },
    async ({ params, res }) => {
      res.json(await schedules.get(params.id));
    },
  );

  addRoute(
    router,
    {
      method: 'post',
      path: '/schedules/:id/pause',
      operationId: 'pauseSchedule',
      tag: 'schedules',
      access: 'admin',
      summary: 'Pause a schedule: no drill starts on time until it is resumed',
      params: IdParams,
      body: NoteBody,
      bodyExample: { note: 'freeze during the migration' },
      responses: { 200: { description: 'Paused.', schema: ScheduleDetail }, ...notFound },
    },
    async ({ params, body, req, res }) => {
      res.json(await schedules.pause(params.id, body.note ?? `paused by ${principal(req).subject}`));
    },
  );

  addRoute(
    router,
    {
      method: 'post',
      path: '/schedules/:id/resume',
      operationId: 'resumeSchedule',
      tag: 'schedules',
      access: 'admin',
      summary: 'Resume a paused schedule',
      params: IdParams,
      body: NoteBody,
      responses: { 200: { description: 'Resumed.', schema: ScheduleDetail }, ...notFound },
    },
    async ({ params, body, req, res }) => {
      res.json(await schedules.resume(params.id, body.note ?? `resumed by ${principal(req).subject}`));
    },
  );

  addRoute(
    router,
    {
      method: 'post',
      path: '/schedules/:id/trigger',
      operationId: 'triggerSchedule',
      tag: 'schedules',
      access: 'admin',
      summary: 'Start a drill now',
      description:
        'Starts one drill at once, even if the schedule is paused or a drill is running. Temporal starts it ' +
        "asynchronously: it appears in the schedule's `recentRuns` a moment later.",
      params: IdParams,
      responses: { 202: { description: 'Accepted: Temporal starts the drill.', schema: Triggered }, ...notFound },
    },
    async ({ params, res }) => {
      await schedules.trigger(params.id);
      res.status(202).json({ scheduleId: params.id, triggeredAt: new Date().toISOString() });
    },
  );

  addRoute(
    router,
    {
      method: 'delete',
      path: '/schedules/:id',
      operationId: 'deleteSchedule',
      tag: 'schedules',
      access: 'admin',
      summary: 'Delete a schedule (drills it started go on)',
      params: IdParams,
      responses: { 204: { description: 'Deleted.' }, ...notFound },
    },
    async ({ params, res }) => {
      await schedules.delete(params.id);
      res.status(204).end();
    },
  );

  return router;
}
