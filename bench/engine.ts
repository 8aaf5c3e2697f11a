// The engine's throughput and latency against hand-written Temporal workflows doing the same HTTP calls on the same
// servers and worker (bench/workflows.ts), measured in the same invocation: the ratio is the figure to trust.
import { temporal } from '@temporalio/proto';
import { loadRunbook, MAX_SOURCE_BYTES } from '../model/load';
import { validateRunbookObject } from '../model/validate';
import { saveRunbook } from '../store/registry';
import { countingCommands, median, percentile, round2, type BenchContext, type Scenario } from './context';
import { rawApproveUpdate } from './workflows';

const N_SEQ = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const N_PAR = Number(process.env.BENCH_PARALLEL ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const N_RUNS = Number(process.env.BENCH_RUNS ?? 200);
const RUN_STEPS = Number(process.env.BENCH_RUN_STEPS ?? 10);
const N_APPROVALS = Number(process.env.BENCH_APPROVALS ?? 20);
const N_WIDE = Number(process.env.BENCH_WIDE ?? 5000);
// BENCH_WIDE_LARGEST=1: the wide runbook is as large as the language accepts, 1 MiB of YAML (64-character step ids,
// padded URLs), so its continuations are the largest a run makes.
const WIDE_LARGEST = process.env.BENCH_WIDE_LARGEST === '1';

type StepDef = Record<string, unknown>;

/** Registers a runbook of http steps calling `${url}/<prefix>/<i>`, one after another or all at once. */
async function httpRunbook(ctx: BenchContext, id: string, n: number, parallel: boolean, extra: StepDef[] = []): Promise<string> {
  const steps: StepDef[] = Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    action: 'http',
    with: { url: `${ctx.target.url}/step/${i}` },
    ...(!parallel && i > 0 ? { needs: [`s${i - 1}`] } : {}),
  }));
  return register(ctx, { id, title: id, steps: [...extra, ...steps] });
}

/** Registers N_WIDE parallel http steps as YAML just under MAX_SOURCE_BYTES, loaded as an upload is; returns its id and size. */
async function largestRunbook(ctx: BenchContext, id: string): Promise<{ id: string; bytes: number }> {
  const head = `id: ${id}\ntitle: ${id}\nsteps:\n`;
  const step = (i: number, pad: string) => `  - id: ${`s${i}`.padEnd(64, 'x')}\n    action: http\n    with:\n      url: ${ctx.target.url}/step/${i}/${pad}\n`;
  let room = MAX_SOURCE_BYTES - head.length;
  for (let i = 0; i < N_WIDE; i++) room -= step(i, '').length;
  const pad = 'p'.repeat(Math.max(0, Math.floor(room / N_WIDE)));
  const text = head + Array.from({ length: N_WIDE }, (_, i) => step(i, pad)).join('');
  const loaded = loadRunbook(text);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
  await saveRunbook(ctx.lb.store.db, loaded.runbook, loaded.hash);
  return { id, bytes: Buffer.byteLength(text) };
}

async function register(ctx: BenchContext, definition: Record<string, unknown>): Promise<string> {
  const loaded = validateRunbookObject(definition);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
  await saveRunbook(ctx.lb.store.db, loaded.runbook, loaded.hash);
  return loaded.runbook.id;
}

async function lifeboatRun(ctx: BenchContext, runbook: string, mode: 'recovery' | 'drill' = 'recovery'): Promise<string> {
  const { runId } = await ctx.runs.trigger({ runbook, mode }, 'bench', { kind: 'cli', by: 'bench' });
  const state = await ctx.lb.client.workflow.getHandle(runId).result();
  if (state.status !== 'completed') throw new Error(`run ${runId} ${state.status}: ${state.error}`);
  return runId;
}

function rawRun(ctx: BenchContext, kind: 'rawSequential' | 'rawParallel', n: number, tag: string): Promise<number> {
  return ctx.lb.client.workflow.execute(kind, { taskQueue: ctx.taskQueue, workflowId: `bench-raw-${tag}-${Date.now()}-${Math.random()}`, args: [ctx.target.url, n] });
}

/** What the workflow tasks of a history did: how long each took from start to end, the events each took in, and why any did not complete. */
export interface TaskFigures {
  tasks: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Events between one task's completion and the next task's start: what each task took in. */
  maxEventsTakenIn: number;
  scheduleToStartMaxMs: number;
  problems: Record<string, number>;
  largestEventBytes: number;
}

/**
 * History events of a workflow, by type (the workflow-task timeouts and failures among them): its latest execution's,
 * or with `chain` every execution's it continued as new from; with what its workflow tasks did.
 */
async function historyOf(
  ctx: BenchContext,
  workflowId: string,
  chain = false,
): Promise<{ events: number; byType: Record<string, number>; bytesByType: Record<string, number>; executions: number; tasks: TaskFigures }> {
  const byType: Record<string, number> = {};
  const bytesByType: Record<string, number> = {}; // encoded size: what the server stores and sends
  const durations: number[] = [];
  const problems: Record<string, number> = {};
  let events = 0;
  let executions = 0;
  let maxEventsTakenIn = 0;
  let scheduleToStartMaxMs = 0;
  let largestEventBytes = 0;
  const ms = (e: temporal.api.history.v1.IHistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  for (let execution: string | undefined; ;) {
    let previous: string | undefined;
    let scheduledAt = 0;
    let startedAt = 0;
    let sinceTask = 0;
    // Small pages: a continued execution of a wide run starts with its input twice (the start and the start check's
    // activity), megabytes together, and 100 events of one were past gRPC's 4 MB message limit.
    for (let token: Uint8Array | undefined, first = true; first || (token?.length ?? 0) > 0; first = false) {
      const page = await ctx.lb.client.workflowService.getWorkflowExecutionHistory({
        namespace: ctx.lb.client.options.namespace,
        execution: { workflowId, runId: execution },
        maximumPageSize: 10,
        nextPageToken: token,
      });
      token = page.nextPageToken ?? undefined;
      for (const e of page.history?.events ?? []) {
        events++;
        sinceTask++;
        previous ??= e.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
        const name = (temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? 'unknown').replace(/^EVENT_TYPE_/, '');
        byType[name] = (byType[name] ?? 0) + 1;
        const bytes = temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
        largestEventBytes = Math.max(largestEventBytes, bytes);
        bytesByType[name] = (bytesByType[name] ?? 0) + bytes;
        if (name === 'WORKFLOW_TASK_SCHEDULED') scheduledAt = ms(e);
        if (name === 'WORKFLOW_TASK_STARTED') {
          startedAt = ms(e);
          scheduleToStartMaxMs = Math.max(scheduleToStartMaxMs, startedAt - scheduledAt);
          maxEventsTakenIn = Math.max(maxEventsTakenIn, sinceTask);
        }
        if (name === 'WORKFLOW_TASK_COMPLETED' || name === 'WORKFLOW_TASK_FAILED' || name === 'WORKFLOW_TASK_TIMED_OUT') {
          durations.push(ms(e) - startedAt);
          sinceTask = 0;
        }
        if (name === 'WORKFLOW_TASK_TIMED_OUT') {
          const kind = temporal.api.enums.v1.TimeoutType[e.workflowTaskTimedOutEventAttributes?.timeoutType ?? 0] ?? 'unknown';
          problems[`timedOut:${kind}`] = (problems[`timedOut:${kind}`] ?? 0) + 1;
        }
        if (name === 'WORKFLOW_TASK_FAILED') {
          const a = e.workflowTaskFailedEventAttributes;
          const key = `failed:${temporal.api.enums.v1.WorkflowTaskFailedCause[a?.cause ?? 0] ?? 'unknown'}:${(a?.failure?.message ?? '').slice(0, 80)}`;
          problems[key] = (problems[key] ?? 0) + 1;
        }
      }
    }
    executions++;
    execution = previous;
    if (!chain || !execution) {
      const tasks: TaskFigures = {
        tasks: durations.length,
        p50Ms: median(durations),
        p99Ms: percentile(durations, 99),
        maxMs: Math.max(0, ...durations),
        maxEventsTakenIn,
        scheduleToStartMaxMs,
        problems,
        largestEventBytes,
      };
      return { events, byType, bytesByType, executions, tasks };
    }
  }
}

/** Waits for every promise; answers the values and the errors' messages. */
async function settled<T>(promises: Array<Promise<T>>): Promise<{ values: T[]; errors: string[] }> {
  const results = await Promise.allSettled(promises);
  return {
    values: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [])),
  };
}

/** Wall time and this process's CPU time of `f`, in ms. */
async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, ms: Date.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

const singleRun = (scenario: 'sequential' | 'parallel', n: number): Scenario => ({
  name: scenario,
  async run(ctx) {
    const parallel = scenario === 'parallel';
    const id = await httpRunbook(ctx, `bench-${scenario}`, n, parallel);
    const lifeboat: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      // Round 0 warms both paths up and is not counted.
      const lb = await timed(() => lifeboatRun(ctx, id));
      const r = await timed(() => rawRun(ctx, parallel ? 'rawParallel' : 'rawSequential', n, scenario));
      if (round > 0) {
        lifeboat.push(lb.ms);
        raw.push(r.ms);
      }
    }
    const lifeboatMsPerStep = median(lifeboat) / n;
    const rawMsPerStep = median(raw) / n;
    ctx.print(scenario, {
      steps: n,
      rounds: ROUNDS,
      lifeboatMsPerStep: round2(lifeboatMsPerStep),
      rawMsPerStep: round2(rawMsPerStep),
      ratio: round2(lifeboatMsPerStep / rawMsPerStep),
      goal: '<= 1.2',
    });
  },
});

/** Many runs at once, each a chain of http steps, against as many raw workflows; also what one step costs. */
const concurrent: Scenario = {
  name: 'concurrent',
  async run(ctx) {
    const id = await httpRunbook(ctx, 'bench-concurrent', RUN_STEPS, false);
    await lifeboatRun(ctx, id); // warm-up
    await rawRun(ctx, 'rawSequential', RUN_STEPS, 'warm');
    const raw = await timed(() => settled(Array.from({ length: N_RUNS }, (_, i) => rawRun(ctx, 'rawSequential', RUN_STEPS, `c${i}`))));
    const lb = await timed(() => countingCommands(ctx, () => settled(Array.from({ length: N_RUNS }, () => lifeboatRun(ctx, id)))));
    const steps = N_RUNS * RUN_STEPS;
    const runIds = lb.value.value.values;
    const lbHistory = await historyOf(ctx, runIds[0]!);
    const rawId = `bench-raw-history-${Date.now()}`;
    await ctx.lb.client.workflow.execute('rawSequential', { taskQueue: ctx.taskQueue, workflowId: rawId, args: [ctx.target.url, RUN_STEPS] });
    const rawHistory = await historyOf(ctx, rawId);
    ctx.print('concurrent', {
      runs: N_RUNS,
      stepsPerRun: RUN_STEPS,
      lifeboatMs: lb.ms,
      rawMs: raw.ms,
      lifeboatStepsPerSecond: round2((steps / lb.ms) * 1000),
      rawStepsPerSecond: round2((steps / raw.ms) * 1000),
      ratio: round2(lb.ms / raw.ms),
      goal: '<= 1.2',
      lifeboatCpuMsPerStep: round2(lb.cpuMs / steps),
      rawCpuMsPerStep: round2(raw.cpuMs / steps),
      historyEventsPerStep: { lifeboat: round2(lbHistory.events / RUN_STEPS), raw: round2(rawHistory.events / RUN_STEPS) },
      lifeboatHistory: lbHistory.byType,
      historyBytesPerRun: { lifeboat: lbHistory.bytesByType, raw: rawHistory.bytesByType },
      errors: { lifeboat: lb.value.value.errors.length, raw: raw.value.errors.length, first: lb.value.value.errors[0] ?? raw.value.errors[0] },
      mongoCommandsPerStep: round2(lb.value.total / steps),
      mongoCommands: lb.value.commands,
    });
  },
};

/** An approval through the API until the next step's HTTP call reaches the target, against a raw update. */
const approval: Scenario = {
  name: 'approval',
  async run(ctx) {
    const id = await register(ctx, {
      id: 'bench-approval',
      title: 'bench-approval',
      parameters: { tag: { type: 'string' } },
      steps: [
        { id: 'go', action: 'approval', with: { approvers: ['admin'], allowSelfApproval: true } },
        { id: 'after', needs: ['go'], action: 'http', with: { url: `${ctx.target.url}/approved/{{ params.tag }}` } },
      ],
    });
    const headers = { authorization: `Bearer ${ctx.adminToken}`, 'content-type': 'application/json' };
    const lifeboat: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i <= N_APPROVALS; i++) {
      const tag = `a${i}-${Date.now()}`;
      const started = await fetch(`${ctx.lb.url}/runs`, { method: 'POST', headers, body: JSON.stringify({ runbook: id, mode: 'recovery', parameters: { tag } }) });
      const { runId } = (await started.json()) as { runId: string };
      const handle = ctx.lb.client.workflow.getHandle(runId);
      for (let tries = 0; ; tries++) {
        const state = await handle.query<{ steps: Array<{ id: string; status: string }> }>('runState');
        if (state.steps.find((s) => s.id === 'go')?.status === 'waiting') break;
        if (tries > 600) throw new Error(`run ${runId} never waited for its approval`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const hit = ctx.target.hit(`/approved/${tag}`);
      const t0 = Date.now();
      const res = await fetch(`${ctx.lb.url}/runs/${runId}/steps/go/approve`, { method: 'POST', headers, body: '{}' });
      if (res.status !== 200) throw new Error(`approve answered ${res.status}: ${await res.text()}`);
      const at = await hit;
      await handle.result();
      const rawId = `bench-raw-approval-${tag}`;
      const rawHandle = await ctx.lb.client.workflow.start('rawApproval', { taskQueue: ctx.taskQueue, workflowId: rawId, args: [ctx.target.url, `/raw-approved/${tag}`] });
      const rawHit = ctx.target.hit(`/raw-approved/${tag}`);
      const r0 = Date.now();
      await rawHandle.executeUpdate(rawApproveUpdate);
      const rawAt = await rawHit;
      await rawHandle.result();
      if (i > 0) {
        lifeboat.push(at - t0);
        raw.push(rawAt - r0);
      }
    }
    ctx.print('approval', {
      approvals: N_APPROVALS,
      p50Ms: median(lifeboat),
      p95Ms: percentile(lifeboat, 95),
      rawP50Ms: median(raw),
      rawP95Ms: percentile(raw, 95),
      ratio: round2(percentile(lifeboat, 95) / Math.max(1, percentile(raw, 95))),
      goal: 'p95 <= 100',
    });
  },
};

/** Runs `f`, naming `stage` in what it throws (which of the client's calls failed). */
async function stage<T>(name: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The language's widest run: every step at once, against a raw workflow starting as many activities. */
const wide: Scenario = {
  name: 'wide',
  async run(ctx) {
    const largest = WIDE_LARGEST ? await largestRunbook(ctx, 'bench-wide-largest') : undefined;
    const id = largest?.id ?? (await httpRunbook(ctx, 'bench-wide', N_WIDE, true));
    const rawId = `bench-raw-wide-${Date.now()}`;
    const raw = await timed(() => ctx.lb.client.workflow.execute('rawParallel', { taskQueue: ctx.taskQueue, workflowId: rawId, args: [ctx.target.url, N_WIDE] }));
    const lb = await timed(() => stage("the run's result", () => lifeboatRun(ctx, id)));
    const history = await stage("the run's history", () => historyOf(ctx, lb.value, true));
    const taskProblems = (history.byType.WORKFLOW_TASK_TIMED_OUT ?? 0) + (history.byType.WORKFLOW_TASK_FAILED ?? 0);
    const rawHistory = await stage("the raw workflow's history", () => historyOf(ctx, rawId));
    const rawTaskProblems = (rawHistory.byType.WORKFLOW_TASK_TIMED_OUT ?? 0) + (rawHistory.byType.WORKFLOW_TASK_FAILED ?? 0);
    const t0 = Date.now();
    const read = await fetch(`${ctx.lb.url}/runs/${lb.value}`, { headers: { authorization: `Bearer ${ctx.adminToken}` } });
    const body = (await read.json()) as { state?: { steps?: unknown[] } };
    const readMs = Date.now() - t0;
    ctx.print('wide', {
      steps: N_WIDE,
      ...(largest ? { runbookSourceBytes: largest.bytes } : {}),
      lifeboatMs: lb.ms,
      rawMs: raw.ms,
      ratio: round2(lb.ms / raw.ms),
      lifeboatCpuMsPerStep: round2(lb.cpuMs / N_WIDE),
      rawCpuMsPerStep: round2(raw.cpuMs / N_WIDE),
      workflowTaskTimeoutsOrFailures: taskProblems,
      rawWorkflowTaskTimeoutsOrFailures: rawTaskProblems,
      historyEvents: history.events,
      executions: history.executions,
      workflowTasks: history.tasks,
      rawWorkflowTasks: rawHistory.tasks,
      firstRead: { status: read.status, steps: body.state?.steps?.length, ms: readMs },
      goal: 'completes, 0 workflow-task timeouts',
    });
  },
};

export const engineScenarios: Scenario[] = [singleRun('sequential', N_SEQ), singleRun('parallel', N_PAR), concurrent, approval, wide];
