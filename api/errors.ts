import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { DomainError } from '../runs/errors';

export type ProblemIssue = { path: string; message: string; line?: number };

/** The one HTTP error type: rendered as RFC 9457 problem+json by `problemHandler`. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly issues: ProblemIssue[] = [],
  ) {
    super(detail);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

const DOMAIN_STATUS: Record<DomainError['kind'], number> = { 'not-found': 404, invalid: 400, conflict: 409, forbidden: 403, unavailable: 503 };

/** Parses `value` with `schema` or throws a 400 listing every issue with its path (prefixed by `where`). */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  throw new HttpError(400, 'invalid-request', `the request ${where} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/** Requests with a body must send JSON: anything else is 415, not a silently empty body. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    next(new HttpError(415, 'unsupported-media-type', `send the body as application/json (got ${req.headers['content-type'] ?? 'no content type'})`));
    return;
  }
  next();
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not-found', `no route ${req.method} ${req.path}`));
};

/** Renders every error as problem+json; unexpected ones are logged with context and answered 500 without a stack. */
export const problemHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  let problem: HttpError;
  if (err instanceof HttpError) problem = err;
  else if (err instanceof DomainError) problem = new HttpError(DOMAIN_STATUS[err.kind], err.kind, err.message, err.issues);
  else if (isBodyParserError(err)) {
    problem =
      err.type === 'entity.too.large'
        ? new HttpError(413, 'body-too-large', `the request body is larger than the ${err.limit ?? ''} byte limit`.replace('  ', ' '))
        : new HttpError(400, 'malformed-json', `the request body is not valid JSON: ${err.message}`);
  } else {
    console.error(`lifeboat api: ${req.method} ${req.originalUrl} failed:`, err);
    problem = new HttpError(500, 'internal', 'an unexpected error occurred; it has been logged');
  }
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({
      type: `urn:lifeboat:problem:${problem.code}`,
      title: TITLES[problem.status] ?? 'Error',
      status: problem.status,
      detail: problem.detail,
      instance: req.originalUrl,
      ...(problem.issues.length ? { issues: problem.issues } : {}),
    });
};

function isBodyParserError(err: unknown): err is { type: string; message: string; limit?: number } {
  return typeof err === 'object' && err !== null && 'type' in err && typeof (err as { type: unknown }).type === 'string' && String((err as { type: string }).type).startsWith('entity.');
}
