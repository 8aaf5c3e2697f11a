import { Router } from 'express';
import { z } from 'zod';
import { RUNBOOK_SCHEMA_PATH, runbookJsonSchema, runbookSchemaUrl } from '../../model/json-schema';
import { addRoute } from '../route';

const JsonSchemaDocument = z
  .looseObject({ $schema: z.string(), $id: z.string(), title: z.string(), properties: z.looseObject({}) })
  .meta({ id: 'RunbookJsonSchema', description: 'A JSON Schema (draft 2020-12) of runbook files.' });

/**
 * GET /schema/runbook.json, unauthenticated and cacheable: what editors fetch for the `# yaml-language-server: $schema=`
 * line. Its `$id` is its own address: LIFEBOAT_PUBLIC_URL's when set (the Host header of a request may be anyone's).
 */
export function schemaRouter(o: { publicUrl?: string } = {}): Router {
  const router = Router();
  const byBase = new Map<string, string>();
  addRoute(
    router,
    {
      method: 'get',
      path: RUNBOOK_SCHEMA_PATH,
      operationId: 'getRunbookSchema',
      tag: 'docs',
      access: 'public',
      summary: 'The runbook JSON Schema, with a description on every field',
      description:
        'For editors: put `# yaml-language-server: $schema=<this URL>` at the top of a runbook. `$id` is this address ' +
        '(LIFEBOAT_PUBLIC_URL when set, else the address the request was sent to). Cacheable for an hour; it changes only when the API is upgraded.',
      responses: {
        200: { description: 'The schema.', schema: JsonSchemaDocument, contentType: 'application/schema+json' },
      },
    },
    ({ req, res }) => {
      const base = o.publicUrl ?? `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
      let text = byBase.get(base);
      if (text === undefined) {
        text = JSON.stringify(runbookJsonSchema(runbookSchemaUrl(base)));
        // A few bases at most (the public URL, or the names this host is reached by); bounded against Host floods.
        if (byBase.size < 16) byBase.set(base, text);
      }
      res.set('Cache-Control', 'public, max-age=3600');
      if (o.publicUrl === undefined) res.vary('Host');
      res.type('application/schema+json').send(text);
    },
  );
  return router;
}
