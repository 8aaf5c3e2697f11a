import type { Application } from 'express';
import { z } from 'zod';
import { Problem } from '../errors';
import { bodyRequired, registeredRoutes, type Operation } from '../route';
import { mergeComponents, type JsonSchema } from './components';

type Json = Record<string, unknown>;

const IN = '__in__'; // marks request-side (io: input) components until they are merged with the response side

/**
 * The OpenAPI 3.1 document of every operation the app registered with `addRoute`, from their zod schemas. Schemas
 * with a zod id, or named in `names`, become components of that name; others are named after their operation.
 */
export function openApiDocument(app: Application, info: { version: string; serverUrl?: string; names?: Record<string, z.ZodType> }): Json {
  const ops = registeredRoutes(app).flatMap((r) => (r.operation ? [r.operation] : []));
  const requests = z.registry<{ id: string }>();
  const responses = z.registry<{ id: string }>();
  const names = [...globalIds(), ...Object.entries(info.names ?? {})];
  for (const reg of [requests, responses]) for (const [id, schema] of names) if (!reg.has(schema)) reg.add(schema, { id });
  const name = (reg: typeof requests, schema: z.ZodType, id: string) => reg.get(schema)?.id ?? (reg.add(schema, { id }), id);

  // First pass: give every schema an id, so the second can refer to the generated components.
  const named = ops.map((op) => {
    const id = op.operationId[0]!.toUpperCase() + op.operationId.slice(1);
    return {
      op,
      params: op.params && name(requests, op.params, `${id}Path`),
      query: op.query && name(requests, op.query, `${id}Query`),
      body: op.body && !op.bodyContent ? name(requests, op.body, `${id}Body`) : undefined,
      content: Object.entries(op.bodyContent ?? {}).map(([type, s], i) => [type, name(requests, s, `${id}Source${i}`)] as const),
      headers: (op.headers ?? []).map((h) => ({ ...h, id: name(requests, h.schema, `${id}Header${h.name.replace(/\W/g, '')}`) })),
      responses: Object.entries(op.responses).map(([status, r]) => {
        // An error answer documented without a schema is problem+json like every other.
        const problem = r.schema === undefined && Number(status) >= 400;
        const schema = problem ? Problem : r.schema;
        const events = Object.entries(r.events ?? {}).map(([type, e]) => ({
          type,
          ...e,
          dataId: name(responses, e.data, `${id}${status}${type[0]!.toUpperCase()}${type.slice(1)}`),
        }));
        return { status, ...r, events, contentType: problem ? 'application/problem+json' : r.contentType, id: schema && name(responses, schema, `${id}${status}`) };
      }),
    };
  });
  name(responses, Problem, 'Problem');
  const common = { target: 'draft-2020-12', unrepresentable: 'any' } as const;
  const inSchemas = z.toJSONSchema(requests, { ...common, io: 'input', uri: (id) => `#/components/schemas/${IN}${id}` }).schemas;
  const outSchemas = z.toJSONSchema(responses, { ...common, io: 'output', uri: (id) => `#/components/schemas/${id}` }).schemas;
  const ref = (id: string, side: 'in' | 'out') => ({ $ref: `#/components/schemas/${side === 'in' ? IN : ''}${id}` });

  const paths: Record<string, Record<string, Json>> = {};
  for (const n of named) {
    const { op } = n;
    const parameters = [
      ...paramsOf(n.params, inSchemas, 'path'),
      ...paramsOf(n.query, inSchemas, 'query'),
      ...n.headers.map((h) => ({ name: h.name, in: 'header', required: false, description: h.description, schema: ref(h.id, 'in') })),
    ];
    const content: Record<string, Json> = n.body ? { 'application/json': withExample({ schema: ref(n.body, 'in') }, op.bodyExample) } : {};
    for (const [type, id] of n.content) content[type] = withExample({ schema: ref(id, 'in') }, type === 'application/json' ? op.bodyExample : undefined);
    const responseDocs: Record<string, Json> = {};
    for (const r of n.responses) {
      const schema = r.events.length ? { oneOf: r.events.map((e) => sseEvent(e.type, e.description, ref(e.dataId, 'out'), e.id === true)) } : r.id ? ref(r.id, 'out') : undefined;
      responseDocs[r.status] = { description: r.description, ...(schema ? { content: { [r.contentType ?? 'application/json']: { schema } } } : {}) };
    }
    for (const [status, description] of commonErrors(op)) responseDocs[status] ??= { description, content: { 'application/problem+json': { schema: ref('Problem', 'out') } } };
    (paths[openApiPath(op.path)] ??= {})[op.method] = {
      operationId: op.operationId,
      tags: [op.tag],
      summary: op.summary,
      description: [op.description, accessText(op)].filter(Boolean).join('\n\n'),
      security: op.access === 'public' ? [] : [{ bearerAuth: [] }],
      'x-lifeboat-access': op.access,
      ...(parameters.length ? { parameters } : {}),
      ...(Object.keys(content).length ? { requestBody: { required: bodyRequired(op), content } } : {}),
      responses: responseDocs,
    };
  }
  const doc: Json = {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Lifeboat API',
      version: info.version,
      description: 'Disaster-recovery runbooks on Temporal: upload and plan runbooks, start runs, approve steps, read timelines. Errors are RFC 9457 problem+json.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    tags: [...new Set(ops.map((o) => o.tag))].map((t) => ({ name: t })),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Lifeboat token (POST /tokens) or the LIFEBOAT_ADMIN_TOKEN.' } },
      schemas: {},
    },
  };
  return mergeComponents(doc, IN, clean(inSchemas, IN), clean(outSchemas, ''));
}

/** The schemas given ids with `.meta({ id })` anywhere (the runbook language's Step, Duration…). */
function globalIds(): Array<[string, z.ZodType]> {
  // zod keeps ids in the registry's `_idmap` (a Map); duck-typed, as a Map from another realm (jest) is no `instanceof Map`.
  const map: unknown = Reflect.get(z.globalRegistry, '_idmap');
  const entries: unknown = typeof map === 'object' && map !== null ? Reflect.get(map, 'entries') : undefined;
  if (typeof entries !== 'function') throw new Error('zod no longer keeps registry ids in _idmap: update api/openapi/document.ts');
  return [...(entries.call(map) as Iterable<[unknown, unknown]>)].filter((e): e is [string, z.ZodType] => typeof e[0] === 'string' && e[1] instanceof z.ZodType);
}

function clean(schemas: Record<string, JsonSchema>, prefix: string): Record<string, JsonSchema> {
  return Object.fromEntries(
    Object.entries(schemas).map(([id, s]) => {
      const { $schema: _s, $id: _i, ...rest } = s;
      return [`${prefix}${id}`, rest];
    }),
  );
}

function paramsOf(id: string | undefined, schemas: Record<string, JsonSchema>, where: 'path' | 'query'): Json[] {
  const object = id === undefined ? undefined : schemas[id];
  const properties = object?.properties;
  if (!object || typeof properties !== 'object' || properties === null) return [];
  const required = Array.isArray(object.required) ? object.required : [];
  return Object.entries(properties).map(([name, schema]) => {
    const { description, ...rest } = typeof schema === 'object' && schema !== null ? (schema as JsonSchema) : {};
    return { name, in: where, required: where === 'path' || required.includes(name), ...(typeof description === 'string' ? { description } : {}), schema: rest };
  });
}

/**
 * One Server-Sent Event as OpenAPI 3.1 tools read a text/event-stream schema (each event, not the stream): its type,
 * its id, and its data, one line of JSON described by `contentSchema`.
 */
function sseEvent(type: string, description: string, data: Json, hasId: boolean): Json {
  return {
    type: 'object',
    description,
    required: ['event', 'data', ...(hasId ? ['id'] : [])],
    properties: {
      event: { const: type },
      id: { type: 'string', pattern: '^[0-9]+$', description: 'The seq of the last timeline event sent: send it back as Last-Event-ID to resume.' },
      data: { type: 'string', contentMediaType: 'application/json', contentSchema: data },
    },
  };
}

function withExample(media: Json, example: unknown): Json {
  return example === undefined ? media : { ...media, example };
}

function commonErrors(op: Operation): Array<[string, string]> {
  const errors: Array<[string, string]> = [];
  if (op.params || op.query || op.body || op.bodyContent || op.headers) errors.push(['400', 'The request is invalid: every problem is listed in `issues`.']);
  if (op.access !== 'public') errors.push(['401', 'No bearer token, or an unknown, revoked or expired one.']);
  if (op.access !== 'public' && op.access !== 'authenticated') errors.push(['403', `The token lacks the ${op.access.replace('|', ' or ')} role.`]);
  if (op.body || op.bodyContent) errors.push(['413', 'The body is larger than 1 MiB.'], ['415', 'The body has an unsupported content type.']);
  if (op.method !== 'get' && op.access !== 'public') errors.push(['429', 'This token made too many changes too fast (LIFEBOAT_RATE_LIMIT); Retry-After says when to retry.']);
  errors.push(['500', 'An unexpected error; it is logged, and the answer carries no stack trace.']);
  return errors;
}

function accessText(op: Operation): string {
  if (op.access === 'public') return 'No token needed.';
  if (op.access === 'authenticated') return 'Any valid token.';
  return `Requires the ${op.access
    .split('|')
    .map((r) => `\`${r}\``)
    .join(' or ')} role (admin holds every role; operator, author and reviewer include viewer).`;
}

/** `/runs/:id/timeline` → `/runs/{id}/timeline`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
