// The server does what /openapi.json says, on each point the OpenAPI fuzzer (tools/schemathesis.sh) found.
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../api/app';
import { RunService } from '../../runs/service';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startRun } from '../harness/runs';
import { readSse } from '../harness/sse';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let api: ReturnType<typeof apiClient>;
let auth: Record<string, string>;
let doc: Json;
const servers: Server[] = [];

beforeAll(async () => {
  lb = await startTestLifeboat();
  auth = { authorization: `Bearer ${lb.adminToken}` };
  api = apiClient(lb.url, auth);
  doc = (await api.get('/openapi.json')).body;
});
afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  await lb?.stop();
});

/** An API whose runs start on a task queue no worker polls: a started run stays exactly as POST /runs left it. */
async function apiWithoutWorker(): Promise<ReturnType<typeof apiClient>> {
  const runs = new RunService({ client: lb.client, db: lb.store.db, taskQueue: `no-worker-${randomUUID()}` });
  const app = createApp({ client: lb.client, db: lb.store.db, namespace: 'default', runs, adminToken: lb.adminToken });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth);
}

/** One request by node:http, which sends any method (fetch refuses TRACE). */
function send(method: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('undeclared methods', () => {
  it('answers 405 problem+json with Allow on every documented path, before authentication', async () => {
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) {
      const declared = Object.keys(doc.paths[path]).map((m) => m.toUpperCase());
      const concrete = path.replace(/\{[^}]+\}/g, 'x');
      for (const method of ['TRACE', 'PATCH', 'PUT', 'DELETE', 'POST'].filter((m) => !declared.includes(m))) {
        const res = await send(method, `${lb.url}${concrete}`); // no token: the method is refused first
        expect([method, path, res.status, res.headers['content-type']]).toEqual([method, path, 405, expect.stringContaining('application/problem+json')]);
        const allow = String(res.headers.allow).split(', ');
        expect([path, allow.filter((m) => m !== 'HEAD' && m !== 'OPTIONS').sort()]).toEqual([path, declared.sort()]);
        expect((JSON.parse(res.body) as Json).type).toBe('urn:lifeboat:problem:method-not-allowed');
      }
    }
  });

  it('answers OPTIONS with the methods the document lists, a concrete path winning over a templated one', async () => {
    const options = await send('OPTIONS', `${lb.url}/runbooks/validate`);
    expect([options.status, options.headers.allow]).toEqual([204, 'POST, OPTIONS']);
    expect((await send('GET', `${lb.url}/runbooks/validate`, auth)).status).toBe(405);
    expect((await send('OPTIONS', `${lb.url}/runs/some-run`)).headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('still answers 404 for a path no route has', async () => {
    const res = await send('TRACE', `${lb.url}/no-such-path`, auth);
    expect(res.status).toBe(404);
  });
});

describe('a run just created', () => {
  it('has a timeline, a verification and a stream before its workflow has stored anything', async () => {
    const noWorker = await apiWithoutWorker();
    const runbook = await registerRunbook(lb, { steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    const started = await noWorker.post('/runs', { runbook, mode: 'drill' });
    expect(started.status).toBe(201);
    const id = encodeURIComponent(started.body.runId);

    const timeline = await noWorker.get(`/runs/${id}/timeline`);
    expect([timeline.status, timeline.body]).toEqual([200, { runId: started.body.runId, events: [] }]);
    const verify = await noWorker.get(`/runs/${id}/verify`);
    expect([verify.status, verify.body.ok, verify.body.runId]).toEqual([200, true, started.body.runId]);
    const stream = await readSse(`${lb.url}/runs/${id}/events`, auth, (_m, raw) => raw.includes('retry:'));
    expect(stream.status).toBe(200);
  });

  it('answers every read right after POST /runs', async () => {
    const runbook = await registerRunbook(lb, { steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    const started = await api.post('/runs', { runbook, mode: 'drill' });
    const id = encodeURIComponent(started.body.runId);
    for (const sub of ['', '/timeline', '/verify', '/report']) expect([sub, (await api.get(`/runs/${id}${sub}`)).status]).toEqual([sub, 200]);
  });

  it('is still 404 when no such run was ever started', async () => {
    for (const sub of ['', '/timeline', '/verify', '/report', '/events']) expect([sub, (await api.get(`/runs/no-such-run-${randomUUID()}${sub}`)).status]).toEqual([sub, 404]);
  });
});

describe('request bodies', () => {
  it('marks a body required exactly when the server refuses a request without one', async () => {
    const cases: Array<[string, string]> = [
      ['/runbooks/validate', '/runbooks/validate'],
      ['/runbooks', '/runbooks'],
      ['/runs', '/runs'],
      ['/schedules/{id}/pause', '/schedules/no-such-schedule/pause'],
      ['/schedules/{id}/resume', '/schedules/no-such-schedule/resume'],
      ['/runs/{id}/steps/{stepId}/approve', '/runs/no-such-run/steps/go/approve'],
      ['/runs/{id}/steps/{stepId}/skip', '/runs/no-such-run/steps/go/skip'],
      ['/runs/{id}/pause', '/runs/no-such-run/pause'],
    ];
    for (const [path, concrete] of cases) {
      const required = doc.paths[path].post.requestBody.required as boolean;
      const res = await api.post(concrete);
      // Refused for the missing body (400), or it got past the body to the unknown schedule or run (404).
      expect([path, required, res.status]).toEqual([path, required, required ? 400 : 404]);
      if (required) expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(doc.paths['/runbooks/validate'].post.requestBody.required).toBe(true);
    expect(doc.paths['/schedules/{id}/pause'].post.requestBody.required).toBe(false);
  });

  it('refuses an empty runbook source with a problem naming the missing body', async () => {
    const res = await api.raw('POST', '/runbooks/validate', '', { 'content-type': 'application/yaml' });
    expect([res.status, res.body.type, res.body.issues?.[0]?.path]).toEqual([400, 'urn:lifeboat:problem:missing-body', 'body']);
  });
});

describe('rules the document states', () => {
  it('says a schedule has exactly one of cron and every (oneOf), as the server enforces', async () => {
    const schema = doc.components.schemas.CreateScheduleBody;
    expect(schema.oneOf).toEqual([{ required: ['cron'] }, { required: ['every'] }]);
    const runbook = await registerRunbook(lb, { steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    for (const timing of [{}, { cron: '0 3 * * MON', every: '24h' }]) {
      const res = await api.post('/schedules', { id: `s-${randomUUID().slice(0, 8)}`, runbook, ...timing });
      expect([timing, res.status]).toEqual([timing, 400]);
    }
  });

  it('gives the cursor format, and accepts any cursor of that format', async () => {
    const cursor = doc.paths['/runs'].get.parameters.find((p: Json) => p.name === 'cursor');
    const pattern = new RegExp(cursor.schema.pattern);
    const runbook = await registerRunbook(lb, { steps: [{ id: 'pause', action: 'wait', with: { duration: '10ms' } }] });
    const service = new RunService({ client: lb.client, db: lb.store.db, taskQueue: lb.taskQueue });
    for (let i = 0; i < 2; i++) await service.trigger({ runbook, mode: 'drill' }, 'alice', { kind: 'api', by: 'alice' });
    await waitFor(
      'both runs listed',
      () => api.get(`/runs?runbook=${runbook}`),
      (r) => r.body.runs.length === 2,
    );
    const first = await api.get(`/runs?runbook=${runbook}&limit=1`);
    expect(first.body.next).toMatch(pattern);
    const second = await api.get(`/runs?runbook=${runbook}&limit=1&cursor=${encodeURIComponent(first.body.next)}`);
    expect(second.body.runs).toHaveLength(1);
    expect(second.body.runs[0].runId).not.toBe(first.body.runs[0].runId);
    // A well-formed cursor the API never gave out is a position like any other: a page, not a 400.
    const made = '2001-02-03T04:05:06.789Z_x';
    expect(made).toMatch(pattern);
    expect((await api.get(`/runs?cursor=${encodeURIComponent(made)}`)).status).toBe(200);
    expect((await api.get('/runs?cursor=garbage')).status).toBe(400);
  });

  it("states the runbook body's limits: the 1 MiB cap and the most steps", () => {
    const upload = doc.paths['/runbooks'].post;
    expect(upload.description).toMatch(/1 MiB/);
    expect(doc.components.schemas.Runbook.properties.steps.maxItems).toBeGreaterThan(0);
    expect(upload.responses['413']).toBeDefined();
  });

  it('declares the 400 for checks against the runbook, with its problem type, and the server answers it', async () => {
    const trigger = doc.paths['/runs'].post.responses['400'];
    expect(trigger.description).toContain('urn:lifeboat:problem:invalid');
    const runbook = await registerRunbook(lb, { steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    const res = await api.post('/runs', { runbook, mode: 'drill', parameters: { nope: 1 } });
    expect([res.status, res.body.type, res.body.issues[0].path]).toEqual([400, 'urn:lifeboat:problem:invalid', 'parameters.nope']);
  });
});

describe('the live timeline stream', () => {
  it('describes each event it sends: its type and the JSON schema of its data', async () => {
    const media = doc.paths['/runs/{id}/events'].get.responses['200'].content['text/event-stream'];
    const byType = Object.fromEntries((media.schema.oneOf as Json[]).map((e) => [e.properties.event.const, e.properties.data]));
    expect(Object.keys(byType).sort()).toEqual(['end', 'error', 'message']);
    expect(byType.message).toEqual({ type: 'string', contentMediaType: 'application/json', contentSchema: { $ref: '#/components/schemas/TimelineEvent' } });
    const endSchema = doc.components.schemas[byType.end.contentSchema.$ref.split('/').pop()];

    const run = await startRun(lb, { steps: [{ id: 'pause', action: 'wait', with: { duration: '10ms' } }] }, { mode: 'drill' });
    const stream = await readSse(`${lb.url}/runs/${run.runId}/events`, auth);
    const types = new Set(stream.messages.map((m) => m.event));
    expect([...types].sort()).toEqual(['end', 'message']);
    const end = JSON.parse(stream.messages[stream.messages.length - 1]!.data);
    expect(Object.keys(end).sort()).toEqual(Object.keys(endSchema.properties).sort());
  });
});
