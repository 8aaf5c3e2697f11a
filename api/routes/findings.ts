import { Router } from 'express';
import { z } from 'zod';
import { Finding, FINDINGS_ACCESS, FindingList, FindingPatch, NewFinding } from '../../report/finding';
import { addFinding, listFindings, updateFinding } from '../../report/findings';
import type { Db } from '../../store/connection';
import { principal } from '../auth';
import { HttpError } from '../errors';
import { addRoute } from '../route';
import { RunIdParams } from './runs';

const FindingParams = RunIdParams.extend({ fid: z.string().regex(/^F[1-9][0-9]{0,5}$/, 'expected a finding id such as F1') });

/** Findings and corrective actions on a run: record, list and change them (docs/reports-and-schedules.md). */
export function findingsRouter(db: Db): Router {
  const router = Router();

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs/:id/findings',
      operationId: 'listRunFindings',
      tag: 'findings',
      access: 'viewer',
      summary: "The run's findings and corrective actions, each with its history",
      params: RunIdParams,
      responses: { 200: { description: 'Every finding, oldest first.', schema: FindingList }, 404: { description: 'No such run.' } },
    },
    async ({ params, res }) => {
      res.json({ runId: params.id, findings: await listFindings(db, params.id) });
    },
  );

  addRoute(
    router,
    {
      method: 'post',
      path: '/runs/:id/findings',
      operationId: 'addRunFinding',
      tag: 'findings',
      access: FINDINGS_ACCESS,
      summary: 'Record a finding and its corrective action on a run',
      description: 'Recorded with who and when; findings may be added after a reviewer signed the report, which then shows as changed after sign-off.',
      params: RunIdParams,
      body: NewFinding,
      bodyExample: { title: 'DNS TTL too long for the RTO', severity: 'high', owner: 'alice', due: '2027-01-31' },
      responses: {
        201: { description: 'Recorded; Location is the finding.', schema: Finding },
        404: { description: 'No such run.' },
        409: { description: 'Too many findings were added at once; retry.' },
      },
    },
    async ({ params, body, req, res }) => {
      const finding = await addFinding(db, params.id, body, principal(req).subject);
      res
        .status(201)
        .location(`/runs/${encodeURIComponent(params.id)}/findings/${finding.id}`)
        .json(finding);
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs/:id/findings/:fid',
      operationId: 'getRunFinding',
      tag: 'findings',
      access: 'viewer',
      summary: 'One finding with its history',
      params: FindingParams,
      responses: { 200: { description: 'The finding.', schema: Finding }, 404: { description: 'No such run or finding.' } },
    },
    async ({ params, res }) => {
      const found = (await listFindings(db, params.id)).find((f) => f.id === params.fid);
      if (!found) throw new HttpError(404, 'not-found', `run ${params.id} has no finding ${params.fid}`);
      res.json(found);
    },
  );

  addRoute(
    router,
    {
      method: 'patch',
      path: '/runs/:id/findings/:fid',
      operationId: 'updateRunFinding',
      tag: 'findings',
      access: FINDINGS_ACCESS,
      summary: "Change a finding's title, severity, owner, due date or status",
      description:
        'Appends a change (who, when, what, and the optional `note`) to its history; nothing is overwritten. Allowed to whoever ' +
        'recorded the finding, its owner, and a `reviewer`: anyone else is refused with 403 (`rule: finding-owner`).',
      params: FindingParams,
      body: FindingPatch,
      bodyExample: { status: 'done', note: 'TTL lowered to 60 s' },
      responses: {
        200: { description: 'The finding after the change.', schema: Finding },
        403: { description: 'The caller lacks the role, or may not change this finding (`rule: finding-owner`).' },
        404: { description: 'No such run or finding.' },
        409: { description: 'Others changed the finding at the same time; re-read it and retry.' },
      },
    },
    async ({ params, body, req, res }) => {
      res.json(await updateFinding(db, params.id, params.fid, body, principal(req)));
    },
  );

  return router;
}
