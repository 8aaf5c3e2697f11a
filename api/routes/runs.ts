import { Router } from 'express';
import { z } from 'zod';
import { triggerOnce } from '../../runs/idempotency';
import { listRuns, RunListQuery, RunPage } from '../../runs/list';
import { StartedRun, type RunService } from '../../runs/service';
import { RunRecord, RunState } from '../../contract/run';
import type { Db } from '../../store/connection';
import { Mode } from '../../model/runbook';
import { ChainVerification, StoredTimelineEvent } from '../../timeline/event';
import { principal } from '../auth';
import { parseOr400 } from '../errors';
import { sendJsonParts } from '../json-parts';
import { addRoute } from '../route';

export const TriggerRunBody = z.strictObject({
  runbook: z.string().min(1, 'name the runbook to run'),
  version: z.number().int().positive().optional(),
  mode: Mode,
  parameters: z.record(z.string(), z.unknown()).optional(),
  declaredAt: z.iso.datetime({ offset: true }).optional(),
});
export type TriggerRunBody = z.infer<typeof TriggerRunBody>;

/** A client-chosen key making POST /runs safe to retry (see docs/api.md, "Idempotency"). */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'use 1 to 255 visible ASCII characters, e.g. a UUID');

/** Who may start a run, through the API or the console. */
export const TRIGGER_ACCESS = 'operator' as const;

export const RunIdParams = z.object({ id: z.string().min(1).max(200) });
const RunDetail = RunRecord.extend({ state: RunState.nullable() }).meta({ id: 'RunDetail' });
const Timeline = z.object({ runId: z.string(), events: z.array(StoredTimelineEvent) }).meta({ id: 'Timeline' });
const Verification = ChainVerification.extend({ runId: z.string() }).meta({ id: 'TimelineVerification' });

/** Trigger and list runs, and read a run's status, timeline and chain verification. */
export function runsRouter(runs: RunService, db: Db): Router {
  const router = Router();

  addRoute(
    router,
    {
      method: 'post',
      path: '/runs',
      operationId: 'triggerRun',
      tag: 'runs',
      access: TRIGGER_ACCESS,
      summary: 'Start a run of a runbook',
      description:
        'Pins the runbook version (the latest unless given) and starts its workflow. With an `Idempotency-Key` ' +
        'header, a retry with the same key and body answers 200 with the same run instead of starting another; the same ' +
        'key with a different body is 409.',
      body: TriggerRunBody,
      bodyExample: { runbook: 'hello-drill', mode: 'drill' },
      headers: [{ name: 'Idempotency-Key', description: 'Makes the request safe to retry: one run per key and caller.', schema: IdempotencyKey }],
      responses: {
        201: { description: 'Started; Location is the run.', schema: StartedRun },
        200: { description: 'A retry: the run this Idempotency-Key started before.', schema: StartedRun },
        400: {
          description:
            'The body does not fit the schema (`urn:lifeboat:problem:invalid-request`), or its `parameters` do not fit the ' +
            "runbook's parameters, which no static schema can say (`urn:lifeboat:problem:invalid`): every problem is in `issues` with its path.",
        },
        404: { description: 'No such runbook or version.' },
        409: { description: 'The Idempotency-Key was used with a different request.' },
        503: {
          description:
            'Temporal refused to start the run (unreachable, credentials refused, search attributes not registered): `detail` names the cause. Retrying with the same Idempotency-Key is safe.',
        },
      },
    },
    async ({ body, req, res }) => {
      const key = parseOr400(IdempotencyKey.optional(), req.get('idempotency-key'), 'headers.Idempotency-Key');
      const who = principal(req).subject;
      const trigger = { kind: 'api', by: who } as const;
      const { run, replayed } =
        key === undefined ? { run: await runs.trigger(body, who, trigger), replayed: false } : await triggerOnce(runs, db, { subject: who, key, request: body, trigger });
      // The line that ties this request's id to the run's: from here on the run's lines carry runId.
      req.log.info({ runId: run.runId, runbook: body.runbook, mode: body.mode, by: who, replayed }, replayed ? 'run already started' : 'run started');
      res
        .status(replayed ? 200 : 201)
        .location(`/runs/${encodeURIComponent(run.runId)}`)
        .json(run);
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs',
      operationId: 'listRuns',
      tag: 'runs',
      access: 'viewer',
      summary: 'Runs, newest first, filtered and paginated',
      description:
        'Filters combine; `from`/`to` bound the start time. Pages hold `limit` runs (default 50, at most 200); ' + "pass the answer's `next` as `cursor` for the next page.",
      query: RunListQuery,
      responses: { 200: { description: 'One page of runs.', schema: RunPage } },
    },
    async ({ query, res }) => {
      res.json(await listRuns(db, query));
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs/:id',
      operationId: 'getRun',
      tag: 'runs',
      access: 'viewer',
      summary: 'A run: its record and live state (steps, what it waits for, the recovery clock)',
      params: RunIdParams,
      responses: { 200: { description: 'The run; `state` is null once the workflow history is gone.', schema: RunDetail }, 404: { description: 'No such run.' } },
    },
    async ({ params, res }) => {
      const { record, state } = await runs.get(params.id);
      res.json({ ...record, state: state ?? null });
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs/:id/timeline',
      operationId: 'getRunTimeline',
      tag: 'runs',
      access: 'viewer',
      summary: "The run's hash-chained timeline, in order",
      description:
        'The head and the unfilled page are read from the store every time, so a new event shows at once; a full page ' +
        '(1,000 events) this API process already read, its events linked from event 1, is answered as it was then. ' +
        'A view, not evidence: `/verify` and the report read every event from the store on every call.',
      params: RunIdParams,
      responses: { 200: { description: 'Every event so far.', schema: Timeline }, 404: { description: 'No such run.' } },
    },
    async ({ params, res }) => {
      // The same JSON as res.json would send, from the events' text the store keeps (a long timeline's serialisation was most of its read).
      sendJsonParts(res, `{"runId":${JSON.stringify(params.id)},"events":[`, await runs.timelineJson(params.id), ']}');
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs/:id/verify',
      operationId: 'verifyRunTimeline',
      tag: 'runs',
      access: 'viewer',
      summary: "Recompute the timeline's hash chain and check it against the signed heads Temporal keeps",
      description:
        'Reports the first edited, deleted or reordered event, if any; and, when the chain checks out but does not pass ' +
        'through the heads the worker signed (kept in Temporal, outside the database), that it was rewritten consistently ' +
        '(`firstBad.problem: rewritten`, or `missing` for deleted newest events). `anchor` says which signed head was checked.',
      params: RunIdParams,
      responses: { 200: { description: 'The verification.', schema: Verification }, 404: { description: 'No such run.' } },
    },
    async ({ params, res }) => {
      res.json({ runId: params.id, ...(await runs.verify(params.id)) });
    },
  );

  return router;
}
