import express, { type Request, type RequestHandler } from 'express';
import { HttpError } from './errors';

/** The largest request body accepted: the same 1 MiB the runbook loader allows for a runbook's source. */
export const BODY_LIMIT = '1mb';

/** Content types a runbook's source may be sent as. */
export const RUNBOOK_SOURCE_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/json'];

/** A route whose body is read as text (YAML or JSON) rather than parsed as JSON. */
export interface SourceRoute {
  method: 'POST' | 'PUT';
  path: string;
}

/**
 * Body handling for the whole app: JSON everywhere, except the source routes, whose YAML or JSON body reaches the
 * handler as text so the runbook loader can report source lines (and duplicate keys JSON.parse would hide).
 * A body of any other type is 415, never a silently empty body.
 */
export function bodyParsers(sourceRoutes: SourceRoute[]): RequestHandler[] {
  // Express routes are case-insensitive and ignore one trailing slash; match the same way.
  const isSource = (req: Request) => {
    const path = req.path.toLowerCase().replace(/(.)\/$/, '$1');
    return sourceRoutes.some((r) => r.method === req.method && r.path === path);
  };
  const requireType: RequestHandler = (req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next();
    const allowed = isSource(req) ? RUNBOOK_SOURCE_TYPES : ['application/json'];
    if (req.is(allowed)) return next();
    const got = req.headers['content-type'] ?? 'no content type';
    next(new HttpError(415, 'unsupported-media-type', `send the body as ${allowed.join(' or ')} (got ${got})`));
  };
  const json = express.json({ limit: BODY_LIMIT });
  const text = express.text({ limit: BODY_LIMIT, type: RUNBOOK_SOURCE_TYPES });
  const parse: RequestHandler = (req, res, next) => (isSource(req) ? text : json)(req, res, next);
  return [requireType, parse];
}
