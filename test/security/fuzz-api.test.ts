import fc from 'fast-check';
import { Problem } from '../../api/errors';
import { createLogger } from '../../logging/logger';
import { startTestLifeboat } from '../harness/lifeboat';
import { apiWith } from './api';

// Generated requests against every operation in the OpenAPI document (so new routes are covered as they are added),
// on a real API on the suite's servers: no answer may be a 500, none may hang past its timeout, and every error is
// problem+json. LIFEBOAT_FUZZ_REQUESTS sets the number (default 1500).
// A fixed seed by default, so CI explores the same cases each time; LIFEBOAT_FUZZ_SEED=random explores new ones
// (fast-check prints the seed of a failure, and LIFEBOAT_FUZZ_SEED=<that seed> repeats it).
const SEED = process.env.LIFEBOAT_FUZZ_SEED === 'random' ? undefined : Number(process.env.LIFEBOAT_FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.LIFEBOAT_FUZZ_REQUESTS ?? 1500);
const TIMEOUT_MS = 10_000;

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let api: { url: string; stop: () => Promise<void> };
type Route = { method: string; path: string; params: string[]; query: string[]; hasBody: boolean; source: boolean };
let routes: Route[] = [];
/** What the API logged at error level (an unexpected failure, a 5xx answer). */
const errors: string[] = [];

beforeAll(async () => {
  lb = await startTestLifeboat();
  // No rate limit: the fuzzer is one token making thousands of changes. Streams are capped low, as a bound.
  api = await apiWith(
    lb,
    { rateLimit: { perMinute: 0, burst: 1 }, sse: { perToken: 5, total: 5 } },
    { logger: createLogger({ level: 'error', destination: { write: (line: string) => void errors.push(line) } }) },
  );
  const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
  routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      hasBody: op.requestBody !== undefined,
      source: Object.keys(op.requestBody?.content ?? {}).includes('application/yaml'),
    })),
  );
});
afterAll(async () => {
  await api?.stop();
  await lb?.stop();
});

type Operation = { parameters?: Array<{ in: string; name: string }>; requestBody?: { content?: Record<string, unknown> } };

const hostileText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    '..',
    '../..',
    '%2e%2e%2f',
    '%00',
    '%',
    '%ZZ',
    '\u202E',
    '𝔰',
    'a'.repeat(5000),
    '1e309',
    '-1',
    '0',
    'NaN',
    '{{ secrets.X }}',
    'hello-drill',
  ),
);
const body = fc.oneof(
  fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(
    fc.constantFrom(
      'runbook',
      'mode',
      'version',
      'parameters',
      'declaredAt',
      'name',
      'roles',
      'subject',
      'expiresIn',
      'reason',
      'decision',
      'id',
      'cron',
      '__proto__',
      'constructor',
    ),
    fc.jsonValue({ maxDepth: 2 }),
  ),
  fc.constantFrom('{"a":', '{"__proto__":{"polluted":1}}', 'null', '[]', '"x"', '{"a":1,"a":2}', 'id: x\nsteps: *a', '\uFEFF{}', ''),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-16',
  'application/yaml',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  undefined,
);

const request = fc.record({
  route: fc.nat(),
  params: fc.array(hostileText, { minLength: 3, maxLength: 3 }),
  query: fc.dictionary(fc.oneof(hostileText, fc.constantFrom('version', 'mode', 'limit', 'cursor', 'status', 'from', 'to', 'runbook')), hostileText, { maxKeys: 3 }),
  body,
  contentType,
  idempotencyKey: fc.option(hostileText),
  lastEventId: fc.option(hostileText),
  // Path parameters sent as they are (percent signs and all), not encoded.
  raw: fc.boolean(),
});

function urlOf(route: Route, params: string[], query: Record<string, string>, raw: boolean): string {
  let i = 0;
  const encode = (text: string) => {
    const p = text.replace(/[\uD800-\uDFFF]/g, '\uFFFD'); // a lone surrogate has no URL form
    return raw ? p.replace(/[^%A-Za-z0-9._~-]/g, (c) => encodeURIComponent(c)) : encodeURIComponent(p);
  };
  const path = route.path.replace(/\{[^}]+\}/g, () => encode(params[i++] || 'x'));
  const search = new URLSearchParams(query).toString();
  return `${api.url}${path}${search ? `?${search}` : ''}`;
}

describe('fuzzing every API route', () => {
  it('derives the routes from the OpenAPI document', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['POST /runs', 'POST /runbooks', 'POST /tokens', 'GET /runs/{id}/events']));
  });

  it(`answers ${RUNS} generated requests without a 500 or a hang, every error as problem+json`, async () => {
    const auth = { authorization: `Bearer ${lb.adminToken}` };
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const route = routes[r.route % routes.length]!;
        const text = typeof r.body === 'string' ? r.body : (JSON.stringify(r.body) ?? 'null');
        const sendBody = route.hasBody || r.route % 3 === 0;
        const headers: Record<string, string> = { ...auth };
        if (sendBody && r.contentType) headers['content-type'] = route.source && r.contentType === 'application/json' && r.route % 2 === 0 ? 'application/yaml' : r.contentType;
        if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey.replace(/[^\x20-\x7e]/g, '');
        if (r.lastEventId !== null) headers['last-event-id'] = r.lastEventId.replace(/[^\x20-\x7e]/g, '');
        const aborter = AbortSignal.timeout(TIMEOUT_MS);
        const res = await fetch(urlOf(route, r.params, r.query, r.raw), {
          method: route.method,
          headers,
          body: sendBody && route.method !== 'GET' ? text : undefined,
          signal: aborter,
        });
        const type = res.headers.get('content-type') ?? '';
        if (type.startsWith('text/event-stream')) {
          await res.body?.cancel();
          return;
        }
        const answer = await res.text();
        const where = `${route.method} ${route.path} → ${res.status}: ${answer.slice(0, 300)}`;
        if (res.status >= 500 && res.status !== 503) throw new Error(`server error: ${where}`);
        if (res.status >= 400) {
          if (!type.startsWith('application/problem+json')) throw new Error(`an error that is not problem+json: ${where}`);
          if (!Problem.safeParse(JSON.parse(answer)).success) throw new Error(`a malformed problem: ${where}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 150_000 },
    );
    expect(errors).toEqual([]);
  }, 180_000);
});
