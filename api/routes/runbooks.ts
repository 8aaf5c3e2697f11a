import { Router } from 'express';
import { z } from 'zod';
import {
  RunbookDetail,
  RunbookSummary,
  UploadResult,
  ValidationResult,
  diffVersions,
  runbookDetail,
  runbookHistory,
  runbookPlan,
  VersionDiff,
  VersionHistory,
  runbookSummaries,
  reviewVersion,
  uploadRunbook,
  VersionNumber,
  type ReviewRule,
  validateSource,
  type SourceFormat,
} from '../../catalog/service';
import { Plan } from '../../model/plan';
import { MAX_STEPS, Mode, Runbook, RunbookId } from '../../model/runbook';
import type { Db } from '../../store/connection';
import { principal } from '../auth';
import type { SourceRoute } from '../body';
import { addRoute } from '../route';

/** The routes whose body is runbook source (YAML or JSON text); see api/body.ts. */
export const RUNBOOK_SOURCE_ROUTES: SourceRoute[] = [
  { method: 'POST', path: '/runbooks' },
  { method: 'POST', path: '/runbooks/validate' },
];

const Source = z.string();
// A media type's schema describes the document's data, YAML as JSON: either way the body is a Runbook.
const sourceContent = { 'application/yaml': Runbook, 'application/json': Runbook };
// Validation takes what an upload would refuse, and answers 200 with its problems: any document is a valid request.
const RunbookCandidate = z.unknown().meta({ id: 'RunbookCandidate', description: 'A runbook (the Runbook schema), or anything else: the answer lists its problems.' });
const candidateContent = { 'application/yaml': RunbookCandidate, 'application/json': RunbookCandidate };
const IdParams = z.object({ id: RunbookId });
const VersionParams = z.object({ id: RunbookId, version: VersionNumber });
const VersionQuery = z.strictObject({ version: VersionNumber.optional() });
const DiffQuery = z.strictObject({
  from: VersionNumber.optional().meta({ description: 'The older version (default: the one before `to`).' }),
  to: VersionNumber.optional().meta({ description: 'The newer version (default: the latest).' }),
});
const PlanQuery = VersionQuery.extend({ mode: Mode.default('recovery') });
const RunbookList = z.object({ runbooks: z.array(RunbookSummary) }).meta({ id: 'RunbookList' });
const PlanAnswer = Plan.extend({ id: z.string(), version: z.int() }).meta({ id: 'RunbookPlan' });

const LIMITS = `The body is at most 1 MiB (413 beyond), and a runbook has at most ${MAX_STEPS} steps.`;

const EXAMPLE = {
  id: 'hello-drill',
  title: 'Hello drill',
  steps: [{ id: 'pause', action: 'wait', with: { duration: '2s' } }],
};

function formatOf(contentType: string | undefined): SourceFormat {
  return /json/i.test(contentType ?? '') ? 'json' : 'yaml';
}

/** Upload, validate, list, read and plan runbooks. */
export function runbooksRouter(db: Db, reviewRule: ReviewRule = 'admin'): Router {
  const router = Router();

  addRoute(
    router,
    {
      method: 'get',
      path: '/runbooks',
      operationId: 'listRunbooks',
      tag: 'runbooks',
      access: 'viewer',
      summary: 'Every registered runbook with its latest version',
      responses: { 200: { description: 'The runbooks, by id.', schema: RunbookList } },
    },
    async ({ res }) => {
      res.json({ runbooks: await runbookSummaries(db) });
    },
  );

  addRoute(
    router,
    {
      method: 'post',
      path: '/runbooks',
      operationId: 'uploadRunbook',
      tag: 'runbooks',
      access: 'author',
      summary: 'Upload a runbook (YAML or JSON)',
      description:
        'Validates the runbook and stores it as a new immutable version; identical content is not stored again (200). ' +
        'An invalid runbook is 400 with every problem in `issues`, each with its path and source line. A version that adds or ' +
        'changes `command` steps or secret references needs the admin role (403 otherwise), or, with ' +
        '`LIFEBOAT_RUNBOOK_REVIEW=required`, is stored with `reviewNeeded` and runs in recovery mode only once reviewed. ' +
        LIMITS,
      body: Source,
      bodyContent: sourceContent,
      bodyExample: EXAMPLE,
      responses: {
        201: { description: 'Stored as a new version.', schema: UploadResult },
        400: {
          description:
            'No body (`urn:lifeboat:problem:missing-body`), or the runbook is invalid — references, cycles and templates are checked beyond ' +
            'the schema (`urn:lifeboat:problem:invalid`): every problem is in `issues` with its path and source line.',
        },
        200: { description: 'Unchanged: the latest version has the same content.', schema: UploadResult },
        403: { description: 'The version changes command steps or secret references and the uploader is not an admin (LIFEBOAT_RUNBOOK_REVIEW=admin).' },
      },
    },
    async ({ body, req, res }) => {
      const result = await uploadRunbook(db, body, formatOf(req.headers['content-type']), principal(req), reviewRule);
      const location = `/runbooks/${encodeURIComponent(result.id)}?version=${result.version}`;
      res
        .status(result.created ? 201 : 200)
        .location(location)
        .json(result);
    },
  );

  addRoute(
    router,
    {
      method: 'post',
      path: '/runbooks/validate',
      operationId: 'validateRunbook',
      tag: 'runbooks',
      access: 'viewer',
      summary: 'Check a runbook without storing it',
      description: `A dry run of the upload: answers 200 with \`ok\`, every error and every warning. ${LIMITS}`,
      body: Source,
      bodyContent: candidateContent,
      bodyExample: EXAMPLE,
      responses: {
        200: { description: 'The outcome, valid or not.', schema: ValidationResult },
        400: { description: 'No body to validate (`urn:lifeboat:problem:missing-body`).' },
      },
    },
    ({ body, req, res }) => {
      res.json(validateSource(body, formatOf(req.headers['content-type'])));
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runbooks/:id',
      operationId: 'getRunbook',
      tag: 'runbooks',
      access: 'viewer',
      summary: 'A runbook version (the latest, or ?version=N) with its plan in both modes',
      params: IdParams,
      query: VersionQuery,
      responses: { 200: { description: 'The version.', schema: RunbookDetail }, 404: { description: 'No such runbook or version.' } },
    },
    async ({ params, query, res }) => {
      res.json(await runbookDetail(db, params.id, query.version));
    },
  );

  addRoute(
    router,
    {
      method: 'post',
      path: '/runbooks/:id/versions/:version/review',
      operationId: 'reviewRunbookVersion',
      tag: 'runbooks',
      access: 'author',
      summary: "Review a version's command steps and secret references, so recovery mode may run it",
      description:
        'Four eyes on runbook changes (LIFEBOAT_RUNBOOK_REVIEW=required): a version an author uploaded that adds or changes ' +
        '`command` steps or secret references runs in drills at once, in recovery mode only once someone other than its ' +
        'uploader reviewed it. Answers the version with its review.',
      params: VersionParams,
      responses: {
        200: { description: 'Reviewed (or already reviewed by this caller).', schema: RunbookDetail },
        403: { description: 'The caller uploaded this version.' },
        404: { description: 'No such runbook or version.' },
        409: { description: 'The version needs no review, or someone else reviewed it already.' },
      },
    },
    async ({ params, req, res }) => {
      res.json(await reviewVersion(db, params.id, params.version, principal(req).subject));
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runbooks/:id/versions',
      operationId: 'listRunbookVersions',
      tag: 'runbooks',
      access: 'viewer',
      summary: "A runbook's versions, newest first (at most 100), with who uploaded and reviewed each",
      params: IdParams,
      responses: { 200: { description: 'The versions.', schema: VersionHistory }, 404: { description: 'No such runbook.' } },
    },
    async ({ params, res }) => {
      res.json(await runbookHistory(db, params.id));
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runbooks/:id/diff',
      operationId: 'diffRunbookVersions',
      tag: 'runbooks',
      access: 'viewer',
      summary: 'A line diff between two versions of a runbook (default: the latest against the one before it)',
      params: IdParams,
      query: DiffQuery,
      responses: { 200: { description: 'The diff.', schema: VersionDiff }, 404: { description: 'No such runbook or version.' } },
    },
    async ({ params, query, res }) => {
      const to = query.to ?? (await runbookHistory(db, params.id, 1)).latest;
      res.json(await diffVersions(db, params.id, query.from ?? Math.max(1, to - 1), to));
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/runbooks/:id/plan',
      operationId: 'planRunbook',
      tag: 'runbooks',
      access: 'viewer',
      summary: 'The plan of a runbook version in one mode',
      description: 'Parallel stages, the critical path and the predicted recovery time against the RTO (mode defaults to recovery).',
      params: IdParams,
      query: PlanQuery,
      responses: { 200: { description: 'The plan.', schema: PlanAnswer }, 404: { description: 'No such runbook or version.' } },
    },
    async ({ params, query, res }) => {
      res.json(await runbookPlan(db, params.id, query.mode, query.version));
    },
  );

  return router;
}
