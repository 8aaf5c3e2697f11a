import type { Application, Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { hasRole, type BuiltInRole } from '../runs/roles';
import { HttpError, parseOr400 } from './errors';

/** Who may call an operation: anyone, any holder of a valid token, or a holder of a built-in role (`a|b`: of either). */
export type Access = 'public' | 'authenticated' | BuiltInRole | `${BuiltInRole}|${BuiltInRole}`;

type Schema = z.ZodType | undefined;
export type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

/** One documented response of an operation. */
export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
  /** A text/event-stream answer: each event type (`message` when a frame names none) with the schema of its JSON `data`. */
  events?: Record<string, { description: string; data: z.ZodType; id?: boolean }>;
}

/**
 * An HTTP operation described once: the same zod schemas validate the request and produce the OpenAPI document.
 * Common error answers (400, 401, 403, 413, 415, 500) are documented from `access` and the request schemas.
 */
export interface Operation<P extends Schema = Schema, Q extends Schema = Schema, B extends Schema = Schema> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path syntax (`/runs/:id`); routers are mounted at `/`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Documented request content when it is not the JSON form of `body` (e.g. YAML or JSON runbook source). */
  bodyContent?: Record<string, z.ZodType>;
  bodyExample?: unknown;
  /** Request headers the operation reads, e.g. Idempotency-Key. */
  headers?: Array<{ name: string; description: string; schema: z.ZodType }>;
  responses: Record<number, ResponseDoc>;
}

/** What a handler receives: the parsed request parts (the caller is `principal(req)` from api/auth.ts). */
export interface RouteInput<P extends Schema, Q extends Schema, B extends Schema> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  req: Request;
  res: Response;
}

// The document is built from what the app really registered: each express Route is looked up here.
const operations = new WeakMap<object, Operation>();

/** The operation registered for an express Route object, if it was added with `addRoute`. */
export function operationOf(route: object): Operation | undefined {
  return operations.get(route);
}

/** Registers `op` on `router`: checks access, parses params, query and body (400 with every issue), then calls `handler`. */
export function addRoute<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined>(
  router: Router,
  op: Operation<P, Q, B>,
  handler: (input: RouteInput<P, Q, B>) => Promise<void> | void,
): void {
  const route = router.route(op.path);
  const run: RequestHandler = async (req, res) => {
    await handler({
      params: parsePart(op.params, req.params, 'path'),
      query: parsePart(op.query, req.query, 'query'),
      body: parsePart(op.body, bodyOf(op, req), 'body'),
      req,
      res,
    });
  };
  route[op.method](accessCheck(op.access), run);
  operations.set(route, op);
}

/**
 * Whether the operation needs a request body, as the document says: always for source (runbook) bodies, and for a
 * JSON body when an empty object does not satisfy its schema. An optional JSON body that is missing reads as {}.
 */
export function bodyRequired(op: Operation): boolean {
  if (op.bodyContent) return true;
  return op.body !== undefined && !op.body.safeParse({}).success;
}

function bodyOf(op: Operation, req: Request): unknown {
  const body: unknown = req.body;
  if (!op.bodyContent) return body ?? {};
  // Source bodies arrive as text; an empty one is no runbook at all, not an invalid one.
  if (body === undefined || body === '')
    throw new HttpError(400, 'missing-body', 'send the runbook as the request body (YAML or JSON)', [{ path: 'body', message: 'the body is empty' }]);
  return body;
}

function parsePart<S extends Schema>(schema: S | undefined, value: unknown, where: string): Parsed<S> {
  // TypeScript cannot narrow the conditional type Parsed<S> through the check below, hence the assertions: the
  // value is what the schema parsed (or undefined when the operation declares no schema), which Parsed<S> names.
  if (schema === undefined) return undefined as Parsed<S>;
  return parseOr400(schema, value, where) as Parsed<S>;
}

function accessCheck(access: Access): RequestHandler {
  return (req, _res, next) => {
    if (access === 'public') return next();
    const p = req.principal;
    if (!p) return next(new HttpError(401, 'unauthenticated', 'send a bearer token: Authorization: Bearer <token>'));
    if (access !== 'authenticated' && !access.split('|').some((role) => hasRole(p.roles, role))) {
      return next(new HttpError(403, 'forbidden', `${p.subject} lacks the ${access.replace('|', ' or ')} role needed for ${req.method} ${req.path}`));
    }
    next();
  };
}

/** A method and path the app answers, with its operation when it was added with `addRoute`. */
export interface RegisteredRoute {
  method: string;
  path: string;
  operation?: Operation;
}

/** Every route registered on the app, in registration order, found by walking express's router stack. */
export function registeredRoutes(app: Application): RegisteredRoute[] {
  const found: RegisteredRoute[] = [];
  const visit = (stack: unknown) => {
    if (!Array.isArray(stack)) return;
    for (const layer of stack) {
      const route: unknown = Reflect.get(layer, 'route');
      if (typeof route === 'object' && route !== null) {
        const path: unknown = Reflect.get(route, 'path');
        const methods: unknown = Reflect.get(route, 'methods');
        if (typeof path !== 'string' || typeof methods !== 'object' || methods === null) continue;
        for (const [method, on] of Object.entries(methods)) if (on === true) found.push({ method, path, operation: operationOf(route) });
        continue;
      }
      // Routers are mounted at `/` (app.use(router)), so their routes' paths are the full paths.
      const handle: unknown = Reflect.get(layer, 'handle');
      if (Reflect.get(layer, 'rawPath') === '/' && typeof handle === 'function') visit(Reflect.get(handle, 'stack'));
    }
  };
  visit(Reflect.get(app.router, 'stack'));
  return found;
}

// Express answers a known path with an unknown method 404, as if the path did not exist; the document says which
// methods each path has, so the app says so too. Paths use `:param` segments only (see Operation.path).
const allowCache = new WeakMap<Application, Array<{ pattern: RegExp; params: number; methods: Set<string> }>>();

/**
 * The methods the app serves on `path` (GET implies HEAD), or none when no route has this path. As in OpenAPI, a
 * concrete path wins over a templated one: `/runbooks/validate` is not `/runbooks/{id}`.
 */
export function allowedMethods(app: Application, path: string): string[] {
  let table = allowCache.get(app);
  if (!table) {
    const byPath = new Map<string, Set<string>>();
    for (const r of registeredRoutes(app)) {
      const methods = byPath.get(r.path) ?? new Set<string>();
      methods.add(r.method.toUpperCase());
      if (r.method === 'get') methods.add('HEAD');
      byPath.set(r.path, methods);
    }
    table = [...byPath].map(([p, methods]) => ({ pattern: routePattern(p), params: (p.match(/:/g) ?? []).length, methods }));
    allowCache.set(app, table);
  }
  const matches = table.filter((t) => t.pattern.test(path));
  const fewest = Math.min(...matches.map((m) => m.params));
  return [...new Set(matches.filter((m) => m.params === fewest).flatMap((m) => [...m.methods]))];
}

function routePattern(path: string): RegExp {
  const source = path
    .split(/(:[A-Za-z0-9_]+)/)
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  // Like express: case-insensitive, one trailing slash ignored.
  return new RegExp(`^${source}/?$`, 'i');
}

/**
 * First in the app, before authentication (the document is public): OPTIONS on a known path answers its methods in
 * `Allow`; any other method it does not serve is 405 problem+json with `Allow`.
 */
export const methodNotAllowed: RequestHandler = (req, res, next) => {
  const allowed = allowedMethods(req.app, req.path);
  if (allowed.length === 0 || allowed.includes(req.method)) return next();
  res.set('Allow', [...allowed, 'OPTIONS'].join(', '));
  if (req.method === 'OPTIONS') return void res.status(204).end();
  next(new HttpError(405, 'method-not-allowed', `${req.path} does not answer ${req.method}; it answers ${allowed.join(', ')}`));
};
