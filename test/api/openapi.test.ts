import type { Express } from 'express';
import { createApp } from '../../api/app';
import { openApiDocument, openApiPath } from '../../api/openapi/document';
import { registeredRoutes } from '../../api/route';
import { API_VERSION, SCHEMA_NAMES } from '../../api/routes/docs';
import { RunService } from '../../runs/service';
import type { Lifeboat } from '../../servers/lifeboat';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { validateOpenApi } from '../harness/openapi';

let lb: Lifeboat & { adminToken: string; taskQueue: string };
let app: Express;
let doc: Json;

beforeAll(async () => {
  lb = await startTestLifeboat();
  // The same app the server runs, built here so the test can read express's own route table.
  app = createApp({
    client: lb.client,
    db: lb.store.db,
    namespace: 'default',
    runs: new RunService({ client: lb.client, db: lb.store.db, taskQueue: lb.taskQueue, signer: lb.signer }),
  });
  doc = (await apiClient(lb.url).get('/openapi.json')).body;
});
afterAll(async () => {
  await lb?.stop();
});

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('GET /openapi.json', () => {
  it('is served without a token and is a valid OpenAPI 3.1 document whose schemas compile', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe(API_VERSION);
    const result = await validateOpenApi(doc);
    expect(result).toEqual({ valid: true, errors: [], schemaErrors: [] });
  });

  it('resolves every $ref to a component that exists', () => {
    const refs = [...new Set(refsIn(doc))];
    expect(refs.length).toBeGreaterThan(10);
    const missing = refs.filter((ref) => !ref.startsWith('#/components/schemas/') || doc.components.schemas[ref.slice('#/components/schemas/'.length)] === undefined);
    expect(missing).toEqual([]);
  });

  it('documents every route the app registers, and nothing else', () => {
    const routes = registeredRoutes(app);
    const undocumented = routes.filter((r) => !r.operation).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(undocumented).toEqual([]);
    const registered = routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item as object).map((m) => `${m} ${path}`))
      .sort();
    expect(documented).toEqual(registered);
    expect(openApiDocument(app, { version: API_VERSION, names: SCHEMA_NAMES }).paths).toEqual(doc.paths);
  });

  it('states who may call each operation', () => {
    for (const [path, item] of Object.entries<Record<string, Json>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect([`${method} ${path}`, op['x-lifeboat-access']]).toEqual([
          `${method} ${path}`,
          expect.stringMatching(/^(public|authenticated|(viewer|operator|author|reviewer|admin)(\|(viewer|operator|author|reviewer|admin))?)$/),
        ]);
        expect(op.security).toEqual(op['x-lifeboat-access'] === 'public' ? [] : [{ bearerAuth: [] }]);
      }
    }
  });

  it("gives each request example that validates against the operation's own body schema", () => {
    const routes = registeredRoutes(app).flatMap((r) => (r.operation ? [r.operation] : []));
    const withExamples = routes.filter((op) => op.bodyExample !== undefined && op.body !== undefined && op.bodyContent === undefined);
    expect(withExamples.length).toBeGreaterThan(5);
    for (const op of withExamples) expect([op.operationId, op.body!.safeParse(op.bodyExample).success]).toEqual([op.operationId, true]);
  });

  it('describes request bodies as inputs and answers as outputs', () => {
    const trigger = doc.paths['/runs'].post;
    expect(trigger.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/TriggerRunBody');
    expect(trigger.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]);
    const upload = doc.paths['/runbooks'].post.requestBody.content;
    expect(Object.keys(upload).sort()).toEqual(['application/json', 'application/yaml']);
    expect(doc.paths['/runs/{id}/steps/{stepId}/approve'].post.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'stepId']);
    expect(doc.paths['/runs'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['runbook', 'mode', 'status', 'from', 'to', 'limit', 'cursor']);
    expect(doc.paths['/runs'].get.responses['400'].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
  });
});

describe('GET /docs', () => {
  it('serves a self-contained HTML page listing every operation', async () => {
    const res = await fetch(`${lb.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).not.toMatch(/<script|<link[^>]+href="http|src="http/);
    for (const item of Object.values<Record<string, Json>>(doc.paths)) {
      for (const op of Object.values(item)) expect(html).toContain(`id="${op.operationId}"`);
    }
    expect(html).toContain('curl -s -X POST &#34;$LIFEBOAT_URL/runs&#34;');
  });
});
