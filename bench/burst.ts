// A burst of POST /runs, as an outage's automation sends them: many clients at once, each answer's latency. The
// clients run in a process of their own (bench/burst-client.ts) over connections opened beforehand, as many separate
// clients would; the API and the worker are the bench's. Beside it, in the same invocation: each phase of the
// trigger path alone, as many at once (where the time goes), and `raw`, as many bare workflow starts on the same
// server (Temporal's part alone).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { z } from 'zod';
import { validateRunbookObject } from '../model/validate';
import { Runbook } from '../model/runbook';
import { takeRateSlot } from '../store/rate';
import { getRunbook, saveRunbook } from '../store/registry';
import { claimIdempotencyKey } from '../store/idempotency';
import { createToken, findTokenByHash, tokenHash } from '../store/tokens';
import { countingCommands, median, percentile, pool, type BenchContext, type Scenario } from './context';
import type { BurstOrder } from './burst-client';

const N_BURST = Number(process.env.BENCH_BURST ?? 200);
// Each trigger with an Idempotency-Key of its own, as automation that retries sends them (BENCH_BURST_KEYS=0: none).
const BURST_KEYS = process.env.BENCH_BURST_KEYS !== '0';

// The collections the trigger path reads and writes: the MongoDB commands a trigger costs are counted on these.
const TRIGGER_COLLECTIONS = new Set(['tokens', 'rate_counters', 'runbooks', 'runbook_versions', 'runbook_reviews', 'idempotency']);

const ClientAnswer = z.object({
  wallMs: z.number(),
  cpuMs: z.number(),
  firstError: z.string().optional(),
  answers: z.array(z.object({ ms: z.number(), status: z.number(), bytes: z.number(), runId: z.string().optional() })),
});

const TICK_MS = 10; // Linux's USER_HZ is 100

/** A process's or thread's `stat`: its command name, parent and CPU time (ms) so far; undefined once it is gone. */
function statOf(file: string): { comm: string; ppid: number; ms: number } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const close = text.lastIndexOf(')');
    const f = text.slice(close + 2).split(' ');
    return { comm: text.slice(text.indexOf('(') + 1, close), ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * TICK_MS };
  } catch {
    return undefined;
  }
}

/**
 * CPU time (ms) so far of each of this process's descendants by command name (Linux /proc; `skip` and its own
 * children left out), and of this process's threads: `main` (the event loop: API, activities, the Temporal client),
 * `sdk core` (the SDK's Rust threads), `workflow thread, libuv pool` (threads Node starts after the SDK's runtime:
 * the workflow worker thread and libuv's pool, which Node 20 leaves unnamed), `v8` (those before: GC, compiler).
 */
function cpuByProcess(skip?: number): Record<string, number> {
  const stats = readdirSync('/proc').flatMap((pid) => {
    const s = /^\d+$/.test(pid) ? statOf(`/proc/${pid}/stat`) : undefined;
    return s ? [{ pid: Number(pid), ...s }] : [];
  });
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of stats) {
      if (mine.has(s.pid) || s.pid === skip || !mine.has(s.ppid)) continue;
      mine.add(s.pid);
      grew = true;
    }
  }
  const out: Record<string, number> = {};
  const add = (name: string, ms: number) => (out[name] = (out[name] ?? 0) + ms);
  for (const s of stats) if (mine.has(s.pid) && s.pid !== process.pid) add(s.comm, s.ms);
  const threads = readdirSync(`/proc/${process.pid}/task`).flatMap((tid) => {
    const t = statOf(`/proc/${process.pid}/task/${tid}/stat`);
    return t ? [{ tid: Number(tid), ...t }] : [];
  });
  const core = (comm: string) => comm.startsWith('tokio') || comm.startsWith('temporal') || comm.startsWith('workflow');
  const coreStart = Math.min(...threads.filter((t) => core(t.comm)).map((t) => t.tid));
  for (const t of threads) {
    const name = t.tid === process.pid ? 'main' : core(t.comm) ? 'sdk core' : t.tid > coreStart ? 'workflow thread, libuv pool' : 'v8';
    add(`bench ${name}`, t.ms);
  }
  return out;
}

/** `f`'s value and the CPU (ms) each process spent while it ran; with BENCH_BURST_PROFILE=file, this process's CPU profile of it. */
async function cpuWhile<T>(f: () => Promise<T>, o: { profile?: string; skip?: number } = {}): Promise<{ value: T; cpuMs: Record<string, number> }> {
  const session = o.profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const before = cpuByProcess(o.skip);
  const value = await f();
  const after = cpuByProcess(o.skip);
  if (session) {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(o.profile!, JSON.stringify(p));
    session.disconnect();
  }
  const cpuMs: Record<string, number> = {};
  for (const [name, ms] of Object.entries(after)) cpuMs[name] = ms - (before[name] ?? 0);
  return { value, cpuMs };
}

/**
 * Runs the burst's clients in a process of their own; `during` runs once their connections are open and ends after
 * their last answer (so what it measures is the burst alone). Answers what the clients measured.
 */
type ClientAnswer = z.infer<typeof ClientAnswer>;
function burstFromClients(order: BurstOrder, during: (f: () => Promise<ClientAnswer>, clientPid?: number) => Promise<ClientAnswer> = (f) => f()): Promise<ClientAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'burst-client.js')], {
      env: { ...process.env, BENCH_BURST_ORDER: JSON.stringify(order) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    let closed: (code: number | null) => void;
    const exited = new Promise<number | null>((r) => (closed = r));
    child.on('close', (code) => closed(code));
    child.on('error', reject);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (!out.startsWith('ready\n') || out.length > 6 || !child.stdin.writable) return;
      during(async () => {
        child.stdin.end('go\n');
        const code = await exited;
        if (code !== 0) throw new Error(`burst-client exited ${code}`);
        return ClientAnswer.parse(JSON.parse(out.slice(6)));
      }, child.pid).then(resolve, reject);
    });
    void exited.then((code) => {
      if (!out.startsWith('ready\n')) reject(new Error(`burst-client exited ${code} before it was ready`));
    });
  });
}

/** `n` calls of `f` at once: wall time and each call's latency (p50, p99), in ms. */
async function atOnce(n: number, f: (i: number) => Promise<unknown> | unknown): Promise<{ wallMs: number; p50Ms: number; p99Ms: number }> {
  const t0 = performance.now();
  const ms = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = performance.now();
      await f(i);
      return performance.now() - s;
    }),
  );
  const r = (x: number) => Math.round(x * 10) / 10;
  return { wallMs: r(performance.now() - t0), p50Ms: r(median(ms)), p99Ms: r(percentile(ms, 99)) };
}

/** Counts the trigger path's MongoDB commands (by command and collection) while `f` runs. */
const triggerCommands = <T>(ctx: BenchContext, f: () => Promise<T>) =>
  countingCommands(ctx, f, (e) => {
    const collection = e.command[e.commandName];
    return typeof collection === 'string' && TRIGGER_COLLECTIONS.has(collection) ? `${e.commandName} ${collection}` : undefined;
  });

export const burst: Scenario = {
  name: 'burst',
  async run(ctx) {
    const loaded = validateRunbookObject({ id: 'bench-burst', title: 'bench-burst', steps: [{ id: 's0', action: 'http', with: { url: `${ctx.target.url}/step/0` } }] });
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
    await saveRunbook(ctx.lb.store.db, loaded.runbook, loaded.hash);
    const id = loaded.runbook.id;
    // A stored operator token, as automation would hold (the bootstrap admin token is not looked up in the store).
    const created = await createToken(ctx.lb.store.db, { name: `bench-burst-${randomUUID().slice(0, 8)}`, roles: ['operator'], createdBy: 'bench' });
    if (!created) throw new Error('could not create the burst token');
    const body = { runbook: id, mode: 'recovery' };
    const order = { url: ctx.lb.url, token: created.token, body, keys: BURST_KEYS };
    await burstFromClients({ ...order, n: 1 }); // warm-up
    let cpuMs: Record<string, number> = {};
    const measured = await triggerCommands(ctx, () =>
      burstFromClients({ ...order, n: N_BURST }, async (f, clientPid) => {
        const { value, cpuMs: used } = await cpuWhile(f, { profile: process.env.BENCH_BURST_PROFILE, skip: clientPid });
        cpuMs = { ...used, client: value.cpuMs };
        return value;
      }),
    );
    const { answers, wallMs, firstError } = measured.value;
    const errors = answers.filter((a) => a.status !== 201);
    // Let the runs finish so what follows starts on a quiet server.
    const settle = (runIds: string[]) => pool(runIds, 50, (runId) => ctx.lb.client.workflow.getHandle(runId).result());
    await settle(answers.flatMap((a) => (a.runId ? [a.runId] : [])));

    // Each phase alone, N_BURST at once, on the same servers.
    const db = ctx.lb.store.db;
    const hash = tokenHash(created.token);
    const pinned = await getRunbook(db, id);
    if (!pinned) throw new Error(`runbook ${id} vanished`);
    const definition: unknown = JSON.parse(JSON.stringify(pinned.runbook));
    const inputs = await Promise.all(Array.from({ length: N_BURST }, () => ctx.runs.prepare({ runbook: id, mode: 'recovery' }, 'bench', { kind: 'cli', by: 'bench' })));
    const rateKey = `bench-${randomUUID()}`;
    const expires = new Date(Date.now() + 60_000);
    const phases = {
      token: await atOnce(N_BURST, () => findTokenByHash(db, hash)),
      rate: await atOnce(N_BURST, () => takeRateSlot(db, rateKey, 0, expires, 1_000_000)),
      runbook: await atOnce(N_BURST, () => getRunbook(db, id)),
      parse: await atOnce(N_BURST, () => Runbook.parse(definition)),
      sign: await atOnce(N_BURST, (i) => ctx.runs.signer.signStart(inputs[i]!)),
      idempotency: await atOnce(N_BURST, (i) =>
        claimIdempotencyKey(db, `bench-${randomUUID()}`, { requestHash: 'x', runId: inputs[i]!.runId, version: 1, createdAt: new Date().toISOString() }),
      ),
      start: await atOnce(N_BURST, (i) => ctx.runs.start(inputs[i]!)),
    };
    await settle(inputs.map((i) => i.runId));
    const rawIds = Array.from({ length: N_BURST }, () => `bench-raw-start-${randomUUID()}`);
    const { value: raw, cpuMs: rawCpuMs } = await cpuWhile(() =>
      atOnce(N_BURST, (i) => ctx.lb.client.workflow.start('rawNoop', { taskQueue: ctx.taskQueue, workflowId: rawIds[i]!, args: [] })),
    );
    await settle(rawIds);

    const ms = answers.map((a) => a.ms);
    ctx.print('burst', {
      triggers: N_BURST,
      errors: errors.length,
      firstError,
      wallMs,
      p50Ms: median(ms),
      p99Ms: percentile(ms, 99),
      maxMs: Math.max(...ms),
      raw,
      ratio: Math.round((percentile(ms, 99) / Math.max(1, raw.p99Ms)) * 100) / 100,
      goal: 'p99 <= 1000',
      mongoCommandsPerTrigger: Math.round((measured.total / N_BURST) * 100) / 100,
      mongoCommands: measured.commands,
      phases,
      // What one trigger carries: its answer (headers and body) and its signed start input.
      answerBytes: median(answers.map((a) => a.bytes)),
      startInputBytes: Buffer.byteLength(JSON.stringify(ctx.runs.signer.signStart(inputs[0]!))),
      // CPU of each process (the bench's own: the API, the worker, the Temporal client) during the burst and during raw.
      cpuMs,
      rawCpuMs,
      client: `separate process, connections opened before the burst, ${BURST_KEYS ? 'an Idempotency-Key each' : 'no Idempotency-Key'}`,
    });
  },
};
