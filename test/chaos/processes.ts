// The processes the chaos suite runs and kills: a Temporal dev server Lifeboat did not configure (SQLite file, so it
// comes back on its history), FerretDB (data dir, so it comes back on its data), worker processes and an API process,
// started through the test harness. Each can be killed, frozen and started again; one that exits on its own is noted
// and started again, as a process supervisor would.
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFerretDb } from '../../servers/ferretdb';
import { freePort } from '../../servers/process';
import { startApiProcess } from '../harness/api-spawn';
import { startPlainTemporal } from '../harness/plain-temporal';
import { startWorkerProcess } from '../harness/worker-spawn';

export type ProcessKind = 'temporal' | 'ferretdb' | 'worker' | 'api';

/** A process the suite owns. `child` is the live one, undefined while it is down. */
export interface Proc {
  name: string;
  kind: ProcessKind;
  child: ChildProcess | undefined;
  /** The API's URL changes with each start (a free port); the others keep theirs. */
  url?: string;
}

/** An exit nobody asked for: a finding to print, not hidden by the restart that follows. */
export interface UnplannedExit {
  name: string;
  at: number;
  how: string;
}

const RESTART_DEADLINE_MS = 180_000;
const START_TIMEOUT_MS = 100_000; // one try; above the servers' own 90 s readiness wait, for a worker or API that hangs

/** Starts every process and answers the handle the driver kills and restarts them through. */
export async function startProcesses(o: {
  home: string;
  workers: number;
  taskQueue: string;
  adminToken: string;
  smtpUrl: string;
  bundlePath: string;
  log: (line: string) => void;
}) {
  const logs = (name: string) => path.join(o.home, 'logs', `${name}.log`);
  const temporalPorts = { port: await freePort(), httpPort: await freePort(), metricsPort: await freePort() };
  const temporalAddress = `127.0.0.1:${temporalPorts.port}`;
  const ferretPort = await freePort();
  const mongoUri = `mongodb://127.0.0.1:${ferretPort}/lifeboat`;
  // What the suite's globalSetup sets under jest, made here for `npm run chaos`: the target listens on loopback, which
  // the egress policy denies by default; the API and the workers share the signing and evidence keys
  // (docs/security.md).
  const env = {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    MONGODB_URI: mongoUri,
    SMTP_URL: o.smtpUrl,
    LIFEBOAT_EGRESS_ALLOW: process.env.LIFEBOAT_EGRESS_ALLOW ?? '127.0.0.0/8,::1',
    LIFEBOAT_SIGNING_KEY: process.env.LIFEBOAT_SIGNING_KEY ?? `chaos-signing-key-${randomBytes(24).toString('base64url')}`,
    LIFEBOAT_EVIDENCE_KEY: process.env.LIFEBOAT_EVIDENCE_KEY ?? randomBytes(32).toString('base64'),
  };
  const unplanned: UnplannedExit[] = [];
  const expected = new Set<ChildProcess>(); // children the suite is killing or stopping: their exit is planned
  let stopping = false;

  const starters: Record<ProcessKind, (p: Proc) => Promise<void>> = {
    temporal: async (p) => {
      p.child = (await startPlainTemporal(o.home, { ...temporalPorts, dbFile: path.join(o.home, 'temporal.db') })).child;
    },
    ferretdb: async (p) => {
      p.child = (await startFerretDb({ port: ferretPort, dataDir: path.join(o.home, 'ferretdb'), logFile: logs('ferretdb') })).child;
    },
    worker: async (p) => {
      p.child = await startWorkerProcess(o.taskQueue, o.bundlePath, { env, logFile: logs(p.name), spawned: (c) => (p.child = c) });
    },
    api: async (p) => {
      const api = await startApiProcess({ ...env, LIFEBOAT_ADMIN_TOKEN: o.adminToken, TEMPORAL_TASK_QUEUE: o.taskQueue }, (c) => (p.child = c), logs(p.name));
      p.url = api.url;
    },
  };

  /** Starts `p`, trying again while what it needs is still down (a worker cannot start without Temporal). */
  const start = async (p: Proc): Promise<void> => {
    const deadline = Date.now() + RESTART_DEADLINE_MS;
    for (let tries = 1; ; tries++) {
      try {
        await withDeadline(starters[p.kind](p), START_TIMEOUT_MS, `${p.name} was not ready within ${START_TIMEOUT_MS / 1000}s`);
        watch(p, p.child!);
        return;
      } catch (err) {
        if (p.child && p.child.exitCode === null && p.child.signalCode === null) await killChild(p.child, 'SIGKILL');
        p.child = undefined;
        if (Date.now() > deadline) throw new Error(`${p.name} did not start again within ${RESTART_DEADLINE_MS / 1000}s: ${String(err)}`);
        if (tries === 1 || tries % 10 === 0) o.log(`${p.name} did not start (try ${tries}), trying again: ${String(err).split('\n')[0]}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };

  const watch = (p: Proc, child: ChildProcess) =>
    child.once('exit', (code, signal) => {
      if (stopping || expected.has(child)) return;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      unplanned.push({ name: p.name, at: Date.now(), how });
      o.log(`${p.name} exited on its own (${how}); starting it again`);
      if (p.child === child) p.child = undefined;
      void start(p).catch((err: unknown) => o.log(String(err)));
    });

  const procs: Proc[] = [
    { name: 'temporal', kind: 'temporal', child: undefined },
    { name: 'ferretdb', kind: 'ferretdb', child: undefined },
    ...Array.from({ length: o.workers }, (_, i): Proc => ({ name: `worker-${i + 1}`, kind: 'worker', child: undefined })),
    { name: 'api', kind: 'api', child: undefined },
  ];
  for (const p of procs.slice(0, 2)) await start(p);
  await Promise.all(procs.slice(2).map(start));
  // The driver's own view of Temporal (which worker runs what); it reconnects by itself after Temporal restarts.
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });

  return {
    procs,
    env,
    unplanned,
    api: () => procs.find((p) => p.kind === 'api')!,
    /** Temporal's description of a run, or an error within 5 s (Temporal may be down). */
    describe: (runId: string) => connection.withDeadline(Date.now() + 5000, () => client.workflow.getHandle(runId).describe()),
    /**
     * Why a run that did not end is stuck, as Temporal says (the last workflow task failure); its history is saved
     * under `histories/` for `Worker.runReplayHistory`.
     */
    async diagnose(runId: string): Promise<string> {
      try {
        const history = await connection.withDeadline(Date.now() + 10_000, () => client.workflow.getHandle(runId).fetchHistory());
        mkdirSync(path.join(o.home, 'histories'), { recursive: true });
        const file = path.join(o.home, 'histories', `${runId}.json`);
        writeFileSync(file, historyToJSON(history));
        const failed = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).pop();
        const why = failed?.workflowTaskFailedEventAttributes?.failure?.message;
        return `${why ? `its workflow task fails: ${why}` : 'no workflow task failure in its history'}; history saved to ${file}`;
      } catch (err) {
        return `Temporal could not say why: ${String(err)}`;
      }
    },
    /**
     * Replays every run's history on the workflow bundle, as a worker without the run in its cache would: a history
     * that does not replay stops its run at the next such worker, even a run that has ended (its queries fail). Each
     * one that fails is saved under `histories/`. Also counts the retried workflow tasks (after a timeout or failure)
     * in which an update was accepted: the fault test/chaos/findings recorded.
     */
    async replayAll(runIds: string[], bundlePath: string): Promise<{ violations: string[]; retriedWithUpdate: number }> {
      const violations: string[] = [];
      const histories: Array<{ workflowId: string; history: temporal.api.history.v1.IHistory }> = [];
      let retriedWithUpdate = 0;
      for (const runId of runIds) {
        try {
          const history = await connection.withDeadline(Date.now() + 30_000, () => client.workflow.getHandle(runId).fetchHistory());
          retriedWithUpdate += retriedTasksWithUpdate(history);
          histories.push({ workflowId: runId, history });
        } catch (err) {
          violations.push(`${runId}: its history could not be read to replay it: ${String(err)}`);
        }
      }
      for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath } }, histories)) {
        if (!r.error) continue;
        mkdirSync(path.join(o.home, 'histories'), { recursive: true });
        const file = path.join(o.home, 'histories', `${r.workflowId}.json`);
        writeFileSync(file, historyToJSON(histories.find((h) => h.workflowId === r.workflowId)!.history));
        violations.push(`${r.workflowId}: its history does not replay (${r.error.message.slice(0, 300)}); saved to ${file}`);
      }
      return { violations, retriedWithUpdate };
    },
    /** SIGKILLs `p` and resolves once it is gone. */
    async kill(p: Proc): Promise<void> {
      const child = p.child;
      if (!child) return;
      expected.add(child);
      p.child = undefined;
      await killChild(child, 'SIGKILL');
    },
    start,
    /** Sends SIGSTOP or SIGCONT to the live child of `p`. */
    signal(p: Proc, signal: 'SIGSTOP' | 'SIGCONT'): void {
      p.child?.kill(signal);
    },
    async stop(): Promise<void> {
      stopping = true;
      await connection.close();
      // Workers and the API first, while their servers still answer; then the servers.
      const order = [...procs].reverse();
      for (const p of order) {
        p.child?.kill('SIGCONT');
        if (p.child) await killChild(p.child, 'SIGTERM', 10_000);
      }
    },
  };
}

export type Processes = Awaited<ReturnType<typeof startProcesses>>;

/** Workflow tasks retried after a timeout or a failure whose completion accepted an update. */
function retriedTasksWithUpdate(history: temporal.api.history.v1.IHistory): number {
  let retried = false;
  let completing = false;
  let n = 0;
  for (const e of history.events ?? []) {
    if (e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes) retried = true;
    else if (e.workflowTaskCompletedEventAttributes) [completing, retried] = [retried, false];
    else if (e.workflowTaskScheduledEventAttributes) completing = false;
    else if (completing && e.workflowExecutionUpdateAcceptedEventAttributes) [n, completing] = [n + 1, false];
  }
  return n;
}

/** Sends `signal` and resolves once the child has exited (SIGKILL after `killAfterMs`, when given). */
function killChild(child: ChildProcess, signal: NodeJS.Signals, killAfterMs?: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return exited.finally(() => clearTimeout(timer));
}

function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
