// A run's log lines as an operator follows them at 3 a.m.: from the API request (its X-Request-Id) to the run id,
// then every activity and workflow line of that run, with its step. And as an attacker reads them: no secret value
// and no bearer token, whatever the target echoes and whatever the caller sends.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../config';
import { processLogger } from '../../logging/process';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook } from '../harness/runs';
import { tokenWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

const SECRET = `sk-${randomUUID()}`;
type Line = Record<string, unknown> & { msg?: string; level?: string };

/** A hostile target: echoes the request's headers and query in its body, its headers and, on /fail, a 500. */
async function startEcho() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const echoed = JSON.stringify({ headers: req.headers, url: req.url });
      res.writeHead(req.url?.startsWith('/fail') ? 500 : 200, { 'content-type': 'application/json', 'x-echo': String(req.headers['x-key'] ?? '') });
      res.end(JSON.stringify({ echoed, b64: Buffer.from(echoed).toString('base64'), error: `bad key ${String(req.headers['x-key'])}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const written: string[] = [];
const lines = (): Line[] => written.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Line);
let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let echo: Awaited<ReturnType<typeof startEcho>>;

beforeAll(async () => {
  echo = await startEcho();
  process.env.LIFEBOAT_SECRET_LOG_KEY = SECRET;
  process.env.LIFEBOAT_SECRET_LOG_KEY_HOSTS = `localhost:${echo.port}`;
  // The process's logger as the worker and API build it (LOG_LEVEL, secret masking), writing into `written`.
  const logger = processLogger(loadConfig({ ...process.env, LOG_LEVEL: 'debug' }), { destination: { write: (line: string) => void written.push(line) } });
  lb = await startTestLifeboat({}, { logger });
});
afterAll(async () => {
  await lb?.stop();
  await echo?.close();
  delete process.env.LIFEBOAT_SECRET_LOG_KEY;
  delete process.env.LIFEBOAT_SECRET_LOG_KEY_HOSTS;
});

describe('log lines of one run', () => {
  const requestId = `req-${randomUUID()}`;
  let runId: string;
  let token: string;

  beforeAll(async () => {
    const runbook = await registerRunbook(lb, {
      id: 'logs',
      parameters: { api: { type: 'string' } },
      steps: [
        // The secret in a header and in the query; the target echoes both back in every form it can.
        { id: 'call', action: 'http', with: { url: '{{ params.api }}/ok?key={{ secrets.LOG_KEY }}', headers: { 'X-Key': '{{ secrets.LOG_KEY }}' } } },
        { id: 'fails', action: 'http', needs: ['call'], with: { url: '{{ params.api }}/fail?key={{ secrets.LOG_KEY }}', headers: { 'X-Key': '{{ secrets.LOG_KEY }}' } } },
      ],
    });
    ({ token } = await tokenWith(lb, ['operator']));
    const api = apiClient(lb.url, { authorization: `Bearer ${token}` });
    const res = await api.post('/runs', { runbook, mode: 'recovery', parameters: { api: `http://localhost:${echo.port}` } }, { 'x-request-id': requestId });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    runId = res.body.runId;
    await waitFor(
      'the run to end',
      () => api.get(`/runs/${encodeURIComponent(runId)}`),
      (r) => ['failed', 'completed'].includes(r.body?.status),
      30_000,
    );
    // The workflow's lines leave the sandbox through the worker's sinks after its task completes.
    await waitFor(
      'the failed step on the log',
      async () => lines(),
      (ls) => ls.some((l) => l.runId === runId && l.msg === 'step.failed' && l.stepId === 'fails'),
    );
    // A hostile caller: the token in a header the API does not know, in a bad body, in the query string.
    await api.post('/runs', { runbook: token }, { 'x-forwarded-authorization': `Bearer ${token}`, cookie: `session=${token}` });
    await api.get(`/runs?cursor=${token}`);
  });

  it('ties the API request id to the run id, and echoes the request id', () => {
    const started = lines().find((l) => l.msg === 'run started');
    expect(started).toMatchObject({ reqId: requestId, runId, component: 'api' });
    const access = lines().find((l) => l.reqId === requestId && l.res !== undefined);
    expect(access).toMatchObject({ req: { method: 'POST', path: '/runs' }, res: { status: 201 } });
  });

  it('puts a request id on every API line', () => {
    const api = lines().filter((l) => l.component === 'api');
    expect(api.length).toBeGreaterThan(3);
    for (const l of api) expect(l).toHaveProperty('reqId', expect.any(String));
  });

  it('puts the run id and step id on the activity lines of the run, the outbound call included', () => {
    const outbound = lines().filter((l) => l.runId === runId && l.msg === 'outbound request');
    expect(outbound.map((l) => [l.stepId, l.activity, l.status])).toEqual(
      expect.arrayContaining([
        ['call', 'httpRequest', 200],
        ['fails', 'httpRequest', 500],
      ]),
    );
    expect(lines().find((l) => l.runId === runId && l.msg === 'activity failed')).toMatchObject({ stepId: 'fails', activity: 'httpRequest', level: 'warn' });
  });

  it("puts the run id and step id on the workflow's lines", () => {
    const workflow = lines().filter((l) => l.runId === runId && l.sdkComponent === 'workflow');
    expect(workflow.map((l) => [l.msg, l.stepId])).toEqual(
      expect.arrayContaining([
        ['step.started', 'call'],
        ['step.succeeded', 'call'],
        ['step.failed', 'fails'],
        ['run.started', undefined],
      ]),
    );
  });

  it('never writes the secret value or the bearer token', () => {
    const text = written.join('');
    expect(text.length).toBeGreaterThan(1000);
    const forms = (value: string) => [value, encodeURIComponent(value), Buffer.from(value).toString('base64').slice(4, -4)];
    for (const form of [...forms(SECRET), token]) expect(text).not.toContain(form);
    // The secret showed up where it was used, as the runbook wrote it: the lines are there, the value is not.
    expect(text).toContain('{{ secrets.LOG_KEY }}');
  });
});
