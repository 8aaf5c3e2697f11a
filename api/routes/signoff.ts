import { Router } from 'express';
import { z } from 'zod';
import { runSignOff, signOffRun } from '../../report/service';
import { ReviewerSignOff } from '../../report/types';
import type { RunService } from '../../runs/service';
import type { Db } from '../../store/connection';
import { principal } from '../auth';
import { addRoute } from '../route';
import { RunIdParams } from './runs';

export const SignOffBody = z
  .strictObject({ comment: z.string().trim().min(1).max(4000).describe("The reviewer's conclusion, kept with the signature.") })
  .meta({ id: 'SignOffBody' });

/** Who signs off a run's report (the console offers its form to them). */
export const SIGNOFF_ACCESS = 'reviewer' as const;

/** A reviewer's sign-off of a finished run's report (docs/reports-and-schedules.md, "Reviewer sign-off"). */
export function signOffRouter(deps: { runs: RunService; db: Db }): Router {
  const router = Router();

  addRoute(
    router,
    {
      method: 'post',
      path: '/runs/:id/signoff',
      operationId: 'signOffRunReport',
      tag: 'findings',
      access: SIGNOFF_ACCESS,
      summary: "Sign off a finished run's report with a comment",
      description:
        "The sign-off names the SHA-256 of the canonical JSON of the report's signed content (every section but generatedAt, " +
        'trend, programme, openActions and reviewerSignOff). Findings may still be added; the report then shows it changed after sign-off. ' +
        'The person who started the run may not sign it (`rule: independent-review`); a run is signed once.',
      params: RunIdParams,
      body: SignOffBody,
      bodyExample: { comment: 'Drill met its criteria; F1 to be closed before the next drill.' },
      responses: {
        201: { description: 'Signed; Location is the sign-off.', schema: ReviewerSignOff },
        403: { description: 'The caller lacks the reviewer role, or started the run (`rule: independent-review`).' },
        404: { description: 'No such run.' },
        409: { description: 'The run is still running, or was signed off already.' },
      },
    },
    async ({ params, body, req, res }) => {
      const signed = await signOffRun(deps, params.id, principal(req).subject, body.comment);
      res
        .status(201)
        .location(`/runs/${encodeURIComponent(params.id)}/signoff`)
        .json(signed);
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs/:id/signoff',
      operationId: 'getRunSignOff',
      tag: 'findings',
      access: 'viewer',
      summary: "The run's sign-off, and whether its report changed after it",
      params: RunIdParams,
      responses: { 200: { description: 'The sign-off.', schema: ReviewerSignOff }, 404: { description: 'No such run, or it has not been signed off.' } },
    },
    async ({ params, res }) => {
      res.json(await runSignOff(deps, params.id));
    },
  );

  return router;
}
