// `npm run check:api` (tools/schemathesis.sh runs this with the Schemathesis it installed): starts the embedded
// default on free ports, prepares runs that wait for people, fuzzes every operation of /openapi.json with
// Schemathesis and fails on any conformance failure. Positive/negative data acceptance runs too and is reported:
// runbook-specific rules (a run's parameters, a step's kind) cannot be in a static schema, so it cannot gate.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../servers/process';
import { prepareTargets, type Call, type Targets } from './fixtures';

const ROOT = path.resolve(__dirname, '../../..');
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 10);
/** Checks that are run and reported, but do not fail the run (see the top of this file). */
const REPORTED_ONLY = new Set(['positive_data_acceptance', 'negative_data_rejection']);

async function main(): Promise<void> {
  const st = process.argv[2];
  if (!st) throw new Error('usage: schemathesis.ts <path to the st command> (tools/schemathesis.sh passes it)');
  const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-fuzz-'));
  const adminToken = `lb_fuzz_${randomBytes(16).toString('hex')}`;
  const server = await startEmbeddedDefault(home, adminToken);
  let passed = false;
  try {
    const admin = client(server.url, adminToken);
    const created = await admin('POST', '/tokens', { name: 'fuzz-operator', roles: ['operator'] });
    if (created.status !== 201) throw new Error(`could not create the operator token: ${JSON.stringify(created.body)}`);
    const targets = await prepareTargets(admin, client(server.url, (created.body as { token: string }).token));
    const reports = path.join(home, 'schemathesis');
    mkdirSync(reports, { recursive: true });
    const config = path.join(home, 'schemathesis.toml');
    writeFileSync(config, configToml(targets));
    const stLog = path.join(reports, 'schemathesis.log');
    const code = await run(stLog, home, st, [
      '--config-file',
      config,
      'run',
      `${server.url}/openapi.json`,
      '--header',
      `Authorization: Bearer ${adminToken}`,
      '--checks',
      'all',
      '--seed',
      String(SEED),
      '--max-examples',
      String(EXAMPLES),
      // One worker: Python 3.11's ast.parse is not thread-safe ("AST constructor recursion depth mismatch").
      '--workers',
      '1',
      '--request-timeout',
      '5',
      '--no-color',
      '--report',
      'ndjson,junit',
      '--report-dir',
      reports,
    ]);
    const summary = summarize(path.join(reports, readdirSync(reports).find((f) => f.endsWith('.ndjson')) ?? 'missing.ndjson'));
    printLog(stLog, summary.gating.length > 0 || summary.errors.length > 0);
    printSummary(summary, code, reports);
    passed = summary.gating.length === 0 && summary.errors.length === 0 && summary.finished;
  } finally {
    await server.stop();
  }
  if (passed) rmSync(home, { recursive: true, force: true }); // a failed run keeps its reports and server logs
  process.exitCode = passed ? 0 : 1;
}

/** Schemathesis's configuration: the fixture runs as path parameters of the operations that act on them. */
function configToml(targets: Targets): string {
  const quote = (s: string) => JSON.stringify(s); // a TOML basic string is a JSON string
  const operations = Object.entries(targets).map(([op, t]) => {
    const params = [`id = ${quote(t.id)}`, ...(t.stepId ? [`stepId = ${quote(t.stepId)}`] : [])].join(', ');
    return `[[operations]]\ninclude-operation-id = ${quote(op)}\nparameters = { ${params} }\n`;
  });
  return [
    // A live run's stream never ends by itself: read a few events, then let the request timeout cut it.
    'max-stream-events = 20',
    '',
    '[checks.negative_data_rejection]',
    // 413 is a rejection too: a body past the 1 MiB cap is refused before its schema is checked.
    'expected-statuses = [400, 401, 403, 404, 405, 409, 413, 415]',
    '',
    ...operations,
  ].join('\n');
}

interface Summary {
  finished: boolean;
  cases: number;
  requests: number;
  byPhase: Record<string, number>;
  byMode: Record<string, number>;
  operations: Set<string>;
  /** Answers by operation (label of the request) and status code. */
  statuses: Map<string, Record<string, number>>;
  failures: Map<string, Map<string, string>>; // check → "operation: title" → message
  gating: string[];
  errors: string[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

/** Counts what Schemathesis generated and sent, and groups its failures by check, from its NDJSON events. */
function summarize(file: string): Summary {
  const s: Summary = { finished: false, cases: 0, requests: 0, byPhase: {}, byMode: {}, operations: new Set(), statuses: new Map(), failures: new Map(), gating: [], errors: [] };
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    s.errors.push(`no NDJSON report at ${file}: Schemathesis did not run`);
    return s;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const event = obj(JSON.parse(line));
    const [kind, value] = Object.entries(event)[0] ?? ['', {}];
    const v = obj(value);
    if (kind === 'EngineFinished') s.finished = true;
    if (kind === 'NonFatalError' || kind === 'FatalError') s.errors.push(`${String(v.label ?? '')}: ${String(obj(v.value).type ?? '')} ${String(obj(v.value).message ?? '')}`);
    if (kind !== 'ScenarioFinished') continue;
    const recorder = obj(v.recorder);
    const phase = String(v.phase);
    if (phase !== 'stateful') s.operations.add(String(recorder.label));
    for (const c of Object.values(obj(recorder.cases))) {
      s.cases++;
      s.byPhase[phase] = (s.byPhase[phase] ?? 0) + 1;
      const mode = String(obj(obj(obj(obj(c).value).meta).generation).mode ?? 'unknown');
      s.byMode[mode] = (s.byMode[mode] ?? 0) + 1;
    }
    for (const i of Object.values(obj(recorder.interactions))) {
      s.requests++;
      const request = obj(obj(i).request);
      const method = String(request.method);
      const pathname = new URL(String(request.uri)).pathname;
      const declared = [...s.operations].find((o) => matches(o, `${method} ${pathname}`));
      // Probes of undeclared methods (405) and OPTIONS are counted together, not per path.
      const op = declared ?? `${method === 'OPTIONS' ? 'OPTIONS' : 'undeclared methods'} on any path`;
      const counts = s.statuses.get(op) ?? {};
      const status = String(obj(obj(i).response).status_code ?? 'none');
      counts[status] = (counts[status] ?? 0) + 1;
      s.statuses.set(op, counts);
    }
    for (const checks of Object.values(obj(recorder.checks))) {
      for (const check of Array.isArray(checks) ? checks : []) {
        const c = obj(check);
        if (c.status !== 'failure') continue;
        const f = obj(obj(c.failure_info).failure);
        const name = String(c.name);
        const key = `${String(f.operation ?? recorder.label)}: ${String(f.title ?? f.type)}`;
        const seen = s.failures.get(name) ?? new Map<string, string>();
        const lines = String(f.message ?? '').split('\n');
        seen.set(key, [lines[0], ...lines.filter((l) => /Invalid component|Expected:/.test(l))].join(' / '));
        s.failures.set(name, seen);
      }
    }
  }
  for (const [name, found] of s.failures) if (!REPORTED_ONLY.has(name)) for (const [key, message] of found) s.gating.push(`${name}: ${key}: ${message}`);
  return s;
}

/** Whether `label` (GET /runs/x/timeline) is a request of operation `op` (GET /runs/{id}/timeline). */
function matches(op: string, label: string): boolean {
  const pattern = op.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}$`).test(label);
}

function printSummary(s: Summary, code: number | null, reports: string): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out('');
  out(`lifeboat fuzz: Schemathesis ${s.finished ? 'finished' : 'did not finish'} (exit ${code}), seed ${SEED}, at most ${EXAMPLES} examples per operation and phase`);
  out(`lifeboat fuzz: ${s.operations.size} operations (and stateful sequences), ${s.cases} test cases, ${s.requests} requests`);
  out(`lifeboat fuzz: cases by phase ${JSON.stringify(s.byPhase)}, by data ${JSON.stringify(s.byMode)}`);
  for (const [op, counts] of [...s.statuses].sort(([a], [b]) => a.localeCompare(b))) out(`    ${op}: ${JSON.stringify(counts)}`);
  for (const name of REPORTED_ONLY) {
    const found = s.failures.get(name);
    out(`lifeboat fuzz: ${name} (reported, not gating): ${found?.size ?? 0} operations`);
    for (const [key, message] of found ?? []) out(`    ${key}: ${message}`);
  }
  for (const line of s.gating) out(`lifeboat fuzz: FAILED ${line}`);
  for (const line of s.errors) out(`lifeboat fuzz: ERROR ${line}`);
  const passed = s.gating.length === 0 && s.errors.length === 0 && s.finished;
  out(`lifeboat fuzz: ${passed ? 'passed' : `failed; Schemathesis's log and reports are in ${reports}, the server's log beside them`}`);
}

function client(base: string, token: string): Call {
  return async (method, p, body, headers = {}) => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  };
}

/** `npm start`'s servers/start.ts, on free ports with its data under `home`; resolves once it is ready. */
async function startEmbeddedDefault(home: string, adminToken: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LIFEBOAT_HOME: home,
    LIFEBOAT_ADMIN_TOKEN: adminToken,
    HOST: '127.0.0.1',
    PORT: String(port),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    FERRETDB_PORT: String(await freePort()),
    SMTP_PORT: String(await freePort()),
    // Thousands of requests from one token would mostly meet 429 on mutating routes, and a 429 is neither an
    // acceptance nor a rejection of the data: the limiter is tested in test/security/api-hardening.test.ts instead.
    LIFEBOAT_RATE_LIMIT: '0',
    LOG_LEVEL: 'info', // its "ready" line is how we know it is up
  };
  for (const name of ['TEMPORAL_ADDRESS', 'MONGODB_URI', 'SMTP_URL']) delete env[name]; // its own servers, always
  const log = createWriteStream(path.join(home, 'lifeboat.log'));
  const child = spawn(process.execPath, ['--require', path.join(ROOT, 'test/harness/ts-register.js'), path.join(ROOT, 'servers/start.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await ready(child, log, 180_000);
  } catch (err) {
    await stop();
    throw err;
  }
  process.stdout.write(`lifeboat fuzz: the embedded default is ready at http://127.0.0.1:${port} (log: ${path.join(home, 'lifeboat.log')})\n`);
  return { url: `http://127.0.0.1:${port}`, stop };
}

function ready(child: ChildProcess, log: NodeJS.WritableStream, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the embedded default was not ready within ${timeoutMs / 1000} s; its output: ${out.slice(-2000)}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      out += chunk.toString();
      if (out.includes('"msg":"ready; press Ctrl-C to stop"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the embedded default exited with ${code} before it was ready; its output: ${out.slice(-2000)}`));
    });
  });
}

/** Runs `command` with its output in `logFile`: Schemathesis prints whole request bodies, megabytes of them. */
function run(logFile: string, cwd: string, command: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile);
    // In the temporary folder: Schemathesis keeps a cache of its findings (.schemathesis/) where it runs.
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.once('error', reject);
    child.once('close', (code) => log.end(() => resolve(code)));
  });
}

/** Schemathesis's own summary (and its failures, when asked), each line cut to a readable length. */
function printLog(logFile: string, withFailures: boolean): void {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const first = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const from = [...(withFailures ? [first(/={5,} (ERRORS|FAILURES) ={5,}/)] : []), first(/={5,} WARNINGS ={5,}/), first(/={5,} SUMMARY ={5,}/)].find((i) => i >= 0) ?? 0;
  for (const line of lines.slice(Math.max(0, from))) process.stdout.write(`${line.length > 300 ? `${line.slice(0, 300)}…` : line}\n`);
}

main().catch((err: unknown) => {
  console.error(`lifeboat fuzz: error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
