import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { DomainError } from '../runs/errors';
import { storeUnavailable } from '../store/connection';
import { temporalRefusal } from '../temporal/errors';

/** One problem with a request: where (`body.mode`, `steps[2].with.url`), the source line when known, and what is wrong. */
export const ProblemIssue = z.object({ path: z.string(), line: z.int().min(1).optional(), message: z.string() });
export type ProblemIssue = z.infer<typeof ProblemIssue>;

/** RFC 9457 problem details, the body of every error answer (`application/problem+json`). */
export const Problem = z
  .object({
    type: z.string().meta({ description: 'urn:lifeboat:problem:<code>' }),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string(),
    issues: z.array(ProblemIssue).optional(),
    rule: z.string().optional().meta({ description: 'The rule that refused the request (four-eyes, distinct-approvers, signed-identity); see docs/security.md.' }),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

/** The one HTTP error type: rendered as RFC 9457 problem+json by `problemHandler`. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly issues: ProblemIssue[] = [],
    readonly rule?: string,
  ) {
    super(detail);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const DOMAIN_STATUS: Record<DomainError['kind'], number> = { 'not-found': 404, invalid: 400, conflict: 409, forbidden: 403, unavailable: 503 };

/** Parses `value` with `schema` or throws a 400 listing every issue with its path (prefixed by `where`). */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  throw new HttpError(400, 'invalid-request', `the request ${where} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not-found', `no route ${req.method} ${req.path}`));
};

/** The HTTP answer for a refusal the services give (HttpError, DomainError), or undefined for anything else. */
export function expectedProblem(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof DomainError) return new HttpError(DOMAIN_STATUS[err.kind], err.kind, err.message, err.issues, err.rule);
  return undefined;
}

/**
 * Renders every error as problem+json: Temporal refusing to serve (unreachable, credentials, setup) is 503 with the
 * cause; unexpected errors are logged with context and answered 500 without a stack.
 */
export const problemHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  let problem: HttpError;
  const refusal = temporalRefusal(err);
  const expected = expectedProblem(err);
  if (expected) problem = expected;
  else if (isBodyParserError(err)) problem = bodyProblem(err);
  else if (err instanceof URIError) problem = new HttpError(400, 'malformed-path', `the request path is not valid percent-encoding: ${err.message}`);
  else if (refusal !== undefined) {
    problem = new HttpError(503, 'temporal-unavailable', refusal);
    req.log.warn({ problem: problem.code }, problem.detail);
  } else if (storeUnavailable(err) !== undefined) {
    // The driver's text stays in the log: it names hosts and ports, which /health does not echo either.
    problem = new HttpError(503, 'store-unavailable', 'the run store (MongoDB) is not answering; retry shortly');
    req.log.warn({ problem: problem.code, cause: storeUnavailable(err) }, 'store unavailable');
  } else {
    req.log.error({ err, method: req.method, path: req.path }, `${req.method} ${req.path} failed`);
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
      ...(problem.rule ? { rule: problem.rule } : {}),
    });
};

type BodyParserError = { type: string; message: string; status: number; limit?: number };

// body-parser's errors carry a `type` such as entity.too.large, entity.parse.failed or charset.unsupported.
function isBodyParserError(err: unknown): err is BodyParserError {
  if (typeof err !== 'object' || err === null) return false;
  const { type, status } = err as { type?: unknown; status?: unknown };
  return typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500;
}

function bodyProblem(err: BodyParserError): HttpError {
  if (err.type === 'entity.too.large') return new HttpError(413, 'body-too-large', `the request body is larger than the ${err.limit ?? 1048576} byte limit`);
  if (err.type === 'entity.parse.failed') return new HttpError(400, 'malformed-json', `the request body is not valid JSON: ${err.message}`);
  if (err.status === 415) return new HttpError(415, 'unsupported-media-type', `the request body cannot be read: ${err.message}`);
  return new HttpError(400, 'unreadable-body', `the request body cannot be read: ${err.message}`);
}
