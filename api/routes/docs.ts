import { Router, type Application } from 'express';
import { z } from 'zod';
import { Plan } from '../../model/plan';
import { Runbook } from '../../model/runbook';
import { RunRecord, RunState } from '../../contract/run';
import { StoredTimelineEvent } from '../../timeline/event';
import { openApiDocument } from '../openapi/document';
import { docsHtml } from '../openapi/html';
import { addRoute } from '../route';

/** The version the OpenAPI document states; the API follows the package's version. */
export const API_VERSION = '0.1.0';

/** Shared schemas without a zod id that the document names, rather than naming them after their first use. */
export const SCHEMA_NAMES: Record<string, z.ZodType> = { Runbook, RunRecord, RunState, TimelineEvent: StoredTimelineEvent, Plan };

const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }).meta({ id: 'OpenApiDocument' });

/** GET /openapi.json and GET /docs, unauthenticated: built from the routes the app registered, on first request. */
export function docsRouter(): Router {
  const router = Router();
  let cached: Record<string, unknown> | undefined;
  // Routes are all registered before the server listens, so the first build is the final one.
  const documentOf = (app: Application) => (cached ??= openApiDocument(app, { version: API_VERSION, names: SCHEMA_NAMES }));

  addRoute(
    router,
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApi',
      tag: 'docs',
      access: 'public',
      summary: 'The OpenAPI 3.1 document of this API',
      description: 'Generated from the same zod schemas that validate requests.',
      responses: { 200: { description: 'The document.', schema: OpenApiDocument } },
    },
    ({ req, res }) => {
      res.json(documentOf(req.app));
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/docs',
      operationId: 'getDocs',
      tag: 'docs',
      access: 'public',
      summary: 'Browsable API documentation (HTML, works offline)',
      responses: { 200: { description: 'An HTML page listing every operation and schema.', schema: z.string(), contentType: 'text/html' } },
    },
    ({ req, res }) => {
      res.type('html').send(docsHtml(documentOf(req.app)));
    },
  );

  return router;
}
