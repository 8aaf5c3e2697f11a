// A drill day: many 10-step drills at once through a standalone API and a standalone worker (dist/api/main.js and
// dist/worker/main.js, as a cluster runs them), counting errors and each process's peak resident memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pool, type BenchContext, type Scenario } from './context';

const N_DRILLS = Number(process.env.BENCH_DRILLS ?? 500);
const DRILL_STEPS = Number(process.env.BENCH_DRILL_STEPS ?? 10);

/** Peak and current resident set of a process, in MB (Linux /proc). */
function rssOf(pid: number): { peakMb: number; nowMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { peakMb: Math.round(kb('VmHWM') / 1024), nowMb: Math.round(kb('VmRSS') / 1024) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function start(file: string, env: NodeJS.ProcessEnv, log: string[]): ChildProcess {
  const child = spawn(process.execPath, [path.join(__dirname, '..', file)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => void log.push(...b.toString().split('\n').filter(Boolean).slice(-20));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}

/**
 * The memory settings the image gives both processes (the Dockerfile's `ENV NODE_OPTIONS=… MALLOC_ARENA_MAX=…`;
 * docs/deployment.md, "Memory"), each unless the bench's environment sets its own: a cluster runs them so.
 */
function imageEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dockerfile = readFileSync(path.join(__dirname, '..', '..', 'Dockerfile'), 'utf8');
  const image = (name: string) => new RegExp(`^ENV .*\\b${name}=("[^"]*"|\\S+)`, 'm').exec(dockerfile)?.[1]?.replace(/^"|"$/g, '');
  const flags = image('NODE_OPTIONS')?.split(/\s+/);
  const arenas = image('MALLOC_ARENA_MAX');
  if (!flags || !arenas) throw new Error('bench: the Dockerfile sets no ENV NODE_OPTIONS=… MALLOC_ARENA_MAX=… for the drills to run with');
  const given = env.NODE_OPTIONS ?? '';
  const missing = flags.filter((flag) => !given.includes(flag.split('=')[0]!));
  return { MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? arenas, NODE_OPTIONS: [given, ...missing].join(' ').trim() };
}

async function until(what: string, f: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const drills: Scenario = {
  name: 'drills',
  async run(ctx: BenchContext) {
    const taskQueue = `bench-drills-${Date.now()}`;
    const runbooks = path.join(ctx.home, 'drill-runbooks');
    mkdirSync(runbooks, { recursive: true });
    const steps = Array.from({ length: DRILL_STEPS }, (_, i) => ({
      id: `s${i}`,
      action: 'http',
      with: { url: `${ctx.target.url}/drill/${i}` },
      ...(i > 0 ? { needs: [`s${i - 1}`] } : {}),
    }));
    writeFileSync(path.join(runbooks, 'bench-drill.json'), JSON.stringify({ id: 'bench-drill', title: 'bench drill', steps }));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...imageEnv(process.env),
      TEMPORAL_ADDRESS: ctx.servers.temporalAddress,
      MONGODB_URI: ctx.servers.mongoUri,
      SMTP_URL: ctx.servers.smtpUrl,
      TEMPORAL_TASK_QUEUE: taskQueue,
      LIFEBOAT_RUNBOOKS: runbooks,
      PORT: String(port),
      HOST: '127.0.0.1',
    };
    const log: string[] = [];
    const api = start('api/main.js', env, log);
    const worker = start('worker/main.js', env, log);
    // A process that exits before the drills end fails the scenario instead of leaving it waiting for their results.
    const died = new Promise<never>((_, reject) => {
      for (const [name, child] of [
        ['API', api],
        ['worker', worker],
      ] as const) {
        child.once('exit', (code, signal) => reject(new Error(`bench: the standalone ${name} exited (${signal ?? `code ${code}`}) before the drills ended`)));
      }
    });
    died.catch(() => undefined); // awaited below; until then, an exit during the shutdown in finally is expected
    const url = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${ctx.adminToken}`, 'content-type': 'application/json' };
    try {
      await until('the standalone API', async () => (await fetch(`${url}/runbooks/bench-drill`, { headers })).status === 200);
      await until('the standalone worker', async () => log.some((l) => l.includes('"state":"RUNNING"')));
      const workerRest = rssOf(worker.pid!);
      const apiRest = rssOf(api.pid!);
      const t0 = Date.now();
      const triggered = await Promise.all(
        Array.from({ length: N_DRILLS }, async () => {
          const res = await fetch(`${url}/runs`, { method: 'POST', headers, body: JSON.stringify({ runbook: 'bench-drill', mode: 'drill' }) }).catch((err: unknown) => err);
          if (!(res instanceof Response)) return { error: String(res) };
          const body = (await res.json()) as { runId?: string; title?: string; detail?: string };
          return res.status === 201 && body.runId ? { runId: body.runId } : { error: `${res.status} ${body.title}: ${body.detail}` };
        }),
      );
      const ended = await Promise.race([
        died,
        pool(triggered, 100, async (t) => {
          if (!t.runId) return t.error;
          const state = await ctx.lb.client.workflow
            .getHandle(t.runId)
            .result()
            .catch((err: unknown) => ({ status: 'error', error: String(err) }));
          return state.status === 'completed' ? undefined : `${state.status}: ${state.error}`;
        }),
      ]);
      const wallMs = Date.now() - t0;
      const errors = ended.filter((e) => e !== undefined);
      const workerRss = rssOf(worker.pid!);
      const apiRss = rssOf(api.pid!);
      ctx.print('drills', {
        drills: N_DRILLS,
        stepsPerDrill: DRILL_STEPS,
        cachedRuns: ctx.config.LIFEBOAT_WORKER_CACHED_RUNS,
        activities: ctx.config.LIFEBOAT_WORKER_ACTIVITIES,
        processEnv: { MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX, NODE_OPTIONS: env.NODE_OPTIONS },
        wallMs,
        stepsPerSecond: Math.round((N_DRILLS * DRILL_STEPS * 1000) / wallMs),
        errors: errors.length,
        firstError: errors[0],
        workerRestRssMb: workerRest.nowMb,
        workerPeakRssMb: workerRss.peakMb,
        workerRssMb: workerRss.nowMb,
        apiRestRssMb: apiRest.nowMb,
        apiPeakRssMb: apiRss.peakMb,
        apiRssMb: apiRss.nowMb,
        goal: '0 errors, worker <= 400 MB, API <= 150 MB',
      });
    } catch (err) {
      console.error(`bench: drills: ${log.slice(-20).join('\n')}`);
      throw err;
    } finally {
      for (const child of [api, worker]) child.kill('SIGTERM');
      await Promise.all([api, worker].map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : c.once('exit', r)))));
    }
  },
};
