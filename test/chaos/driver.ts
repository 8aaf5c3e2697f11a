// The fault-injection suite (`npm run chaos`, and bounded in test/chaos/chaos.test.ts): N concurrent runs of mixed
// steps against a counting target while the worker, the API, Temporal and FerretDB are SIGKILLed and FerretDB is
// frozen, at seeded moments; then every run is checked (checks.ts). docs/engine.md, "Fault-injection suite".
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMailCatcher } from '../../servers/mailcatcher';
import type { Json } from '../harness/http';
import { writeWorkflowBundle } from '../harness/worker-spawn';
import { checkRun, type RunOutcome } from './checks';
import { patientClient, type ClientStats } from './client';
import { GATE, planFaults, planRunbook, rng, type FaultKind, type PlannedFault, type PlannedStep, type Rng } from './plan';
import { startProcesses, type Proc, type Processes, type UnplannedExit } from './processes';
import { startChaosTarget, type ChaosTarget, type TargetCall } from './target';

export interface ChaosOptions {
  runs: number;
  steps: number;
  /** SIGKILLs, spread over worker, API, Temporal and FerretDB. */
  kills: number;
  /** SIGSTOPs of FerretDB. */
  stops: number;
  seed: number;
  workers: number;
  /** How long the runs may take to end once the last fault is over. */
  settleMs: number;
  log: (line: string) => void;
}

export interface InjectedFault {
  kind: FaultKind;
  target: string;
  /** Seconds since the runs were triggered. */
  atS: number;
  downS: number;
  /** Requests the target held open when the fault hit: steps caught mid-call. */
  inFlight: number;
  /** Percent of the runs' outward steps that had reached the target by then. */
  progress: number;
}

export interface ChaosResult {
  seed: number;
  options: Omit<ChaosOptions, 'log'>;
  faults: InjectedFault[];
  unplanned: UnplannedExit[];
  outcomes: RunOutcome[];
  violations: string[];
  client: ClientStats;
  /** Every run's history replayed on the workflow code; how many retried workflow tasks accepted an update. */
  replayed: { histories: number; retriedWithUpdate: number };
  wallS: number;
  home: string;
}

interface Run {
  runId: string;
  runbook: string;
  planned: PlannedStep[];
  ended: boolean;
}

/** Runs the suite once and answers what it found; it throws only when it could not run at all. */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  const home = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-chaos-'));
  mkdirSync(path.join(home, 'logs'), { recursive: true });
  o.log(`chaos: seed ${o.seed}, ${o.runs} runs × ${o.steps} steps, ${o.kills} kills, ${o.stops} stops, ${o.workers} workers; logs in ${home}/logs`);
  const r = rng(o.seed);
  const target = await startChaosTarget();
  const mail = await startMailCatcher({ port: 0, dir: path.join(home, 'mail') });
  const adminToken = `chaos-admin-${randomUUID()}`;
  let procs: Processes | undefined;
  try {
    const bundlePath = await writeWorkflowBundle();
    procs = await startProcesses({ home, workers: o.workers, taskQueue: `chaos-${randomUUID()}`, adminToken, smtpUrl: `smtp://127.0.0.1:${mail.port}`, bundlePath, log: o.log });
    const p = procs;
    const stats: ClientStats = { calls: 0, retries: 0, byCause: {} };
    const call = patientClient(() => p.api().url, stats);
    const admin = (method: string, url: string, body?: unknown) => call(adminToken, method, url, body);
    const token = async (name: string) => {
      const res = await admin('POST', '/tokens', { name: `${name}-${o.seed}`, roles: ['operator'] });
      if (res.status !== 201) throw new Error(`creating token ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { token: string; subject: string };
    };
    const requester = await token('alice');
    const approver = await token('bob');

    const runs: Run[] = [];
    for (let i = 0; i < o.runs; i++) {
      const id = `chaos-${o.seed}-${i + 1}`;
      const { definition, steps } = planRunbook(r, id, o.steps, target.url);
      const up = await admin('POST', '/runbooks', definition);
      if (up.status !== 201) throw new Error(`uploading runbook ${id}: ${up.status} ${JSON.stringify(up.body)}`);
      runs.push({ runId: '', runbook: id, planned: steps, ended: false });
    }
    await Promise.all(
      runs.map(async (run) => {
        // The same key on every try: a trigger the API took before it died is not started twice.
        const res = await call(requester.token, 'POST', '/runs', { runbook: run.runbook, mode: 'recovery' }, { 'idempotency-key': `chaos-${run.runbook}` });
        if (res.status !== 201 && res.status !== 200) throw new Error(`triggering ${run.runbook}: ${res.status} ${JSON.stringify(res.body)}`);
        run.runId = res.body.runId as string;
      }),
    );
    const started = Date.now();
    o.log(`chaos: ${runs.length} runs triggered; injecting ${o.kills + o.stops} faults`);

    let faultsOver = false;
    const approvals = runs.map((run) =>
      approveWhileRunning(
        run,
        () => faultsOver,
        (m, u, b) => call(approver.token, m, u, b),
        o.log,
      ).then(
        () => [],
        (err: unknown) => [`${run.runId}: approving its steps: ${String(err)}`],
      ),
    );
    const outward = runs.flatMap((run) => run.planned.filter((s) => OUTWARD.has(s.kind)).map((s) => `${run.runId} ${s.id}`));
    const progress = () => new Set(target.calls.map((c) => `${c.runId} ${c.stepId}`)).size / outward.length;
    const faults = await injectFaults(p, target, planFaults(r, o.kills, o.stops), { r, started, progress, log: o.log });
    faultsOver = true;
    o.log(`chaos: faults over after ${((Date.now() - started) / 1000).toFixed(0)}s; granting the gates and waiting for the runs to end`);
    const deadline = Date.now() + o.settleMs;
    const late = await waitAllEnded(runs, call.bind(null, requester.token), deadline, p.diagnose);
    const unapproved = await Promise.all(approvals);

    const outcomes: RunOutcome[] = [];
    for (const run of runs) {
      // A run that is stuck may have no answer at all: what is missing is then a violation, not a crash of the suite.
      const get = async (u: string) => (await call(requester.token, 'GET', u, undefined, {}, 30_000).catch(() => undefined))?.body as Json;
      outcomes.push(
        checkRun({
          runId: run.runId,
          planned: run.planned,
          requester: requester.subject,
          approver: approver.subject,
          record: await get(`/runs/${run.runId}`),
          timeline: await get(`/runs/${run.runId}/timeline`),
          verify: await get(`/runs/${run.runId}/verify`),
          report: await get(`/runs/${run.runId}/report`),
          calls: target.calls.filter((c) => c.runId === run.runId),
        }),
      );
    }
    const replay = await p.replayAll(
      runs.map((run) => run.runId),
      bundlePath,
    );
    const violations = [
      ...late,
      ...unapproved.flat(),
      ...outcomes.flatMap((x) => x.violations),
      ...(await strayViolations(runs, target, call.bind(null, requester.token))),
      ...replay.violations,
    ];
    const replayed = { histories: runs.length, retriedWithUpdate: replay.retriedWithUpdate };
    return {
      seed: o.seed,
      options: optionsOf(o),
      faults,
      unplanned: p.unplanned,
      outcomes,
      violations,
      client: stats,
      replayed,
      wallS: Math.round((Date.now() - t0) / 1000),
      home,
    };
  } finally {
    await procs?.stop();
    await target.close();
    await mail.stop();
  }
}

function optionsOf(o: ChaosOptions): Omit<ChaosOptions, 'log'> {
  const { log: _log, ...rest } = o;
  return rest;
}

/** The kinds of step that call the target, by which the runs' progress is measured. */
const OUTWARD = new Set(['fast', 'slow', 'check', 'notify']);

/** How long a fault aimed at a call in flight waits for one before it strikes anyway. */
const AIM_MS = 20_000;

type Call = (method: string, url: string, body?: unknown) => Promise<{ status: number; body: Json }>;
type PatientCall = (method: string, url: string, body?: unknown, headers?: Record<string, string>, deadlineMs?: number) => Promise<{ status: number; body: Json }>;

/** Injects the planned faults one after another, each at its point of the runs' progress, once the previous one is over. */
async function injectFaults(
  p: Processes,
  target: ChaosTarget,
  plan: PlannedFault[],
  { r, started, progress, log }: { r: Rng; started: number; progress: () => number; log: (l: string) => void },
) {
  const injected: InjectedFault[] = [];
  for (const f of plan) {
    await sleep(1000);
    while (progress() < f.atProgress) await sleep(200);
    const aimUntil = Date.now() + AIM_MS;
    while (f.midCall && target.open().length === 0 && Date.now() < aimUntil) await sleep(100);
    const open = target.open();
    const victim = f.kind === 'worker' ? await workerToKill(p, open, r) : p.procs.find((x) => x.kind === (f.kind === 'ferretdb-stop' ? 'ferretdb' : f.kind))!;
    const fault: InjectedFault = {
      kind: f.kind,
      target: victim.name,
      atS: Math.round((Date.now() - started) / 1000),
      downS: f.downMs / 1000,
      inFlight: open.length,
      progress: Math.round(progress() * 100),
    };
    injected.push(fault);
    if (f.kind === 'ferretdb-stop') {
      log(`chaos: SIGSTOP ${victim.name} for ${fault.downS}s (${fault.inFlight} calls in flight)`);
      p.signal(victim, 'SIGSTOP');
      await sleep(f.downMs);
      p.signal(victim, 'SIGCONT');
    } else {
      log(`chaos: SIGKILL ${victim.name}, down ${fault.downS}s (${fault.inFlight} calls in flight)`);
      await p.kill(victim);
      await sleep(f.downMs);
      await p.start(victim);
    }
  }
  return injected;
}

/**
 * The worker running the activity of a call in flight, by its identity (`<pid>@<host>`, the SDK's default), so the
 * kill lands mid-step; a seeded pick when no call is open or Temporal cannot say.
 */
async function workerToKill(p: Processes, open: TargetCall[], r: Rng): Promise<Proc> {
  const workers = p.procs.filter((x) => x.kind === 'worker' && x.child);
  const fallback = r.pick(workers.length ? workers : p.procs.filter((x) => x.kind === 'worker'));
  const call = open[0];
  if (!call) return fallback;
  try {
    const { raw } = await p.describe(call.runId);
    const identities = (raw.pendingActivities ?? []).map((a) => a.lastWorkerIdentity ?? '');
    return workers.find((w) => identities.some((id) => id.startsWith(`${w.child?.pid}@`))) ?? fallback;
  } catch {
    return fallback;
  }
}

/**
 * Approves each approval step of the run as it comes up, as a second person (never the requester); the gate only
 * once the faults are over, so every fault lands while every run is still going.
 */
async function approveWhileRunning(run: Run, faultsOver: () => boolean, call: Call, log: (l: string) => void): Promise<void> {
  const approved = new Set<string>();
  // Until the gate, the last step, is granted: after it there is nothing more to approve.
  while (!run.ended && !approved.has(GATE)) {
    const res = await call('GET', `/runs/${run.runId}`);
    const state = res.body?.state as { status: string; waitingFor: Array<{ stepId: string; kind: string }> } | null | undefined;
    if (state && ['completed', 'failed', 'aborted'].includes(state.status)) return;
    for (const w of state?.waitingFor ?? []) {
      if (w.kind !== 'approval' || approved.has(w.stepId) || (w.stepId === GATE && !faultsOver())) continue;
      const answer = await call('POST', `/runs/${run.runId}/steps/${w.stepId}/approve`, { comment: 'chaos: go' });
      // 409: already approved (the API died before it answered the try that took effect) or no longer waiting.
      if (answer.status === 200 || answer.status === 409) approved.add(w.stepId);
      else log(`chaos: approving ${run.runId} ${w.stepId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    await sleep(2000);
  }
}

/**
 * Waits until each run's timeline has its end and its record says so, one request at a time (twenty runs polled at
 * once would load FerretDB enough to slow every answer past the client's patience); a violation for each run that did
 * not end in time, with Temporal's reason.
 */
async function waitAllEnded(runs: Run[], call: PatientCall, deadline: number, diagnose: (runId: string) => Promise<string>): Promise<string[]> {
  const last = new Map<string, string>(runs.map((r) => [r.runId, 'no answer']));
  const open = new Set(runs);
  try {
    while (open.size && Date.now() < deadline) {
      for (const run of [...open]) {
        const within = Math.max(1000, deadline - Date.now());
        // The timeline first (a store read): the record's GET also queries the workflow, which for an ended run
        // means a worker replays its whole history.
        const events = ((await call('GET', `/runs/${run.runId}/timeline`, undefined, {}, within)).body?.events ?? []) as Array<{ type: string }>;
        last.set(run.runId, `${events.length} events, the last ${events[events.length - 1]?.type}`);
        if (!events.some((e) => /^run\.(completed|failed|aborted)$/.test(e.type))) continue;
        const record = await call('GET', `/runs/${run.runId}`, undefined, {}, within);
        last.set(run.runId, `record ${record.body?.status}, ${last.get(run.runId)}`);
        if (['completed', 'failed', 'aborted'].includes(record.body?.status)) open.delete(run);
      }
      if (open.size) await sleep(3000);
    }
  } catch (err) {
    for (const run of open) last.set(run.runId, `${last.get(run.runId)}; ${String(err)}`);
  } finally {
    for (const run of runs) run.ended = true;
  }
  const v: string[] = [];
  for (const run of open) v.push(`${run.runId}: did not end in time (${last.get(run.runId)}); ${await diagnose(run.runId)}`);
  return v;
}

/** One run per trigger: no runbook has a second run, and the target saw no call from a run the suite did not start. */
async function strayViolations(runs: Run[], target: ChaosTarget, call: Call): Promise<string[]> {
  const v: string[] = [];
  const ours = new Set(runs.map((r) => r.runId));
  for (const run of runs) {
    const listed = ((await call('GET', `/runs?runbook=${run.runbook}`).catch(() => undefined))?.body?.runs ?? []) as Array<{ runId: string }>;
    if (listed.length !== 1) v.push(`${run.runbook}: ${listed.length} runs listed (${listed.map((x) => x.runId).join(', ')}); one was triggered`);
  }
  const stray = [...new Set(target.calls.filter((c) => !ours.has(c.runId)).map((c) => c.runId))];
  if (stray.length) v.push(`the target got calls from runs the suite did not start: ${stray.join(', ')}`);
  return v;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The suite's printout: seed, faults injected (kind, time, count), the outcome of every run, every violation. */
export function formatResult(x: ChaosResult): string {
  const lines: string[] = [];
  const { runs, steps, kills, stops, workers } = x.options;
  lines.push(`seed ${x.seed} · ${runs} runs × ${steps} steps · ${kills} kills + ${stops} stops · ${workers} workers · ${x.wallS}s`);
  lines.push('', 'faults injected');
  lines.push(
    ...table(
      ['#', 'signal', 'process', 'at (s)', 'down (s)', 'progress', 'calls in flight'],
      x.faults.map((f, i) => [String(i + 1), f.kind === 'ferretdb-stop' ? 'SIGSTOP' : 'SIGKILL', f.target, String(f.atS), String(f.downS), `${f.progress}%`, String(f.inFlight)]),
    ),
  );
  const kinds = [...new Set(x.faults.map((f) => f.kind))];
  lines.push(`by kind: ${kinds.map((k) => `${k} ${x.faults.filter((f) => f.kind === k).length}`).join(', ')}`);
  if (x.unplanned.length) lines.push(`exits nobody asked for (restarted): ${x.unplanned.map((u) => `${u.name} (${u.how})`).join(', ')}`);
  lines.push(
    `API calls: ${x.client.calls}, tried again ${x.client.retries} times (${
      Object.entries(x.client.byCause)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'never'
    })`,
  );
  lines.push('', 'runs');
  lines.push(
    ...table(
      ['run', 'status', 'steps', 'events', 'redispatched', 'repeats (same key)', 'violations'],
      x.outcomes.map((r) => [r.runId, r.status, String(r.steps), String(r.events), String(r.redispatched), String(r.repeats), String(r.violations.length)]),
    ),
  );
  const completed = x.outcomes.filter((r) => r.status === 'completed').length;
  lines.push(
    '',
    `histories replayed: ${x.replayed.histories} (updates accepted in a workflow task retried after a timeout or failure: ${x.replayed.retriedWithUpdate})`,
    `${completed}/${x.outcomes.length} runs completed; ${x.violations.length} violations`,
  );
  for (const v of x.violations) lines.push(`VIOLATION ${v}`);
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows].map((cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
