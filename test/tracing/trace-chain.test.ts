// One trace from the API request that starts a run to the outbound HTTP call its step makes, as an OTLP collector
// receives it: the target sees a `traceparent` of that trace, and every span on the way links to its parent.
import { bundleWorkflowCode } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createLogger } from '../../logging/logger';
import { startTracing, type Tracing } from '../../tracing/start';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook } from '../harness/runs';
import { tokenWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

type Span = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number };

/** A plain HTTP server taking what the OTLP/HTTP exporter POSTs to /v1/traces (JSON). */
async function startReceiver() {
  const spans: Span[] = [];
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      paths.push(req.url ?? '');
      const payload = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }> };
      for (const r of payload.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, paths, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The step's target: records the traceparent of each call. */
async function startTarget() {
  const traceparents: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    traceparents.push(req.headers.traceparent as string | undefined);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as AddressInfo).port, traceparents, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let target: Awaited<ReturnType<typeof startTarget>>;
let tracing: Tracing;
let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
const written: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  target = await startTarget();
  tracing = (await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'lifeboat-test' }))!;
  // A bundle of its own: the workflow interceptor is bundled in only when tracing is on.
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../workflows'),
    workflowInterceptorModules: tracing.workflowModules,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void written.push(line) } });
  lb = await startTestLifeboat({}, { tracing, workflowBundle, logger });
});
afterAll(async () => {
  await lb?.stop();
  await tracing?.shutdown();
  await receiver?.close();
  await target?.close();
});

it('links POST /runs, the workflow, the activity and the outbound call in one trace the target joins', async () => {
  const runbook = await registerRunbook(lb, {
    id: 'traced',
    parameters: { api: { type: 'string' } },
    steps: [{ id: 'call', action: 'http', with: { url: '{{ params.api }}/ping' } }],
  });
  const { token } = await tokenWith(lb, ['operator']);
  const api = apiClient(lb.url, { authorization: `Bearer ${token}` });
  const res = await api.post('/runs', { runbook, mode: 'recovery', parameters: { api: `http://127.0.0.1:${target.port}` } }, { 'x-request-id': `trace-${randomUUID()}` });
  expect(res.status).toBe(201);
  const runId: string = res.body.runId;
  await waitFor(
    'the run to complete',
    () => api.get(`/runs/${encodeURIComponent(runId)}`),
    (r) => r.body?.status === 'completed',
    30_000,
  );

  // The target saw the trace: version 00, a trace id, the id of the span that made the call, sampled.
  expect(target.traceparents).toHaveLength(1);
  const [, traceId, callerSpanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(target.traceparents[0] ?? '') ?? [];
  expect(traceId).toBeDefined();

  const byId = () => new Map(receiver.spans.map((s) => [s.spanId, s]));
  // Walks from the outbound call's span up to the root; waits until the collector has the whole chain.
  const chain = () => {
    const spans = byId();
    const out: Span[] = [];
    for (let s = spans.get(callerSpanId!); s; s = s.parentSpanId ? spans.get(s.parentSpanId) : undefined) out.push(s);
    return out;
  };
  const linked = await waitFor(
    'the whole chain at the collector',
    async () => {
      await tracing.flush();
      return chain();
    },
    (c) => c.length > 0 && !c[c.length - 1]!.parentSpanId,
  );
  expect(receiver.paths).toContain('/v1/traces');
  const names = linked.map((s) => s.name);
  expect(names[0]).toBe('HTTP GET');
  expect(names[names.length - 1]).toBe('POST /runs');
  // Child to parent: the call, its activity, the workflow that scheduled it, the start, the API request.
  const order = ['HTTP GET', 'RunActivity:httpRequest', 'StartActivity:httpRequest', 'RunWorkflow:runbookWorkflow', 'StartWorkflow:runbookWorkflow', 'POST /runs'];
  expect(names.filter((n) => order.includes(n))).toEqual(order);
  for (const s of linked) expect(s.traceId).toBe(traceId);
  expect(linked[linked.length - 1]!.kind).toBe(2); // SERVER
  expect(linked[0]!.kind).toBe(3); // CLIENT

  // The log lines inside the trace carry its ids: the API's line about the run and the activity's about the call.
  const lines = written.flatMap((c) => c.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.find((l) => l.msg === 'run started' && l.runId === runId)).toMatchObject({ trace_id: traceId });
  expect(lines.find((l) => l.msg === 'outbound request' && l.runId === runId)).toMatchObject({ trace_id: traceId, stepId: 'call' });
});
