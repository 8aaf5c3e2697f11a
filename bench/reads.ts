// The read path's figures (docs/performance.md, "Reads"): a long run's timeline, verify and report through the API,
// an SSE stream resumed near the end, and a finished run's GET; also what one append of the long run cost.
// BENCH_READ_EVENTS (5000) sizes the long run, BENCH_READ_ROUNDS (40) the requests per figure.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { validateRunbookObject } from '../model/validate';
import { saveRunbook } from '../store/registry';
import { saveRun } from '../store/runs';
import { appendTimelineEvents } from '../store/timeline';
import { createToken } from '../store/tokens';
import type { TimelineEvent } from '../timeline/event';
import { percentile, round2, type BenchContext, type Scenario } from './context';

const EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 5000);
const ROUNDS = Number(process.env.BENCH_READ_ROUNDS ?? 40);

export const readsScenario: Scenario = {
  name: 'reads',
  async run(ctx) {
    const { lb } = ctx;
    const token = (await createToken(lb.store.db, { name: `bench-reads-${randomUUID()}`, roles: ['viewer'], createdBy: 'bench' }))!.token;
    const get = (p: string, headers: Record<string, string> = {}) => request(`${lb.url}${p}`, { authorization: `Bearer ${token}`, ...headers });

    const runId = `bench-reads-${randomUUID()}`;
    const written = await countingCommands(ctx, () => writeLongRun(ctx, runId, EVENTS));

    // Timed until the last byte of each answer arrived; what it said is checked outside the timing.
    const bodies: string[] = [];
    const timeline = await timed(ROUNDS, async () => bodies.push(await get(`/runs/${runId}/timeline`)));
    for (const body of bodies.splice(0)) {
      const events = (JSON.parse(body) as { events: Array<{ seq: number }> }).events;
      if (events.length !== EVENTS || events.some((e, i) => e.seq !== i + 1)) throw new Error(`timeline of ${runId}: ${events.length} events, expected ${EVENTS} in order`);
    }
    ctx.print('read-timeline', {
      events: EVENTS,
      appends: written.value.appends,
      rounds: ROUNDS,
      ...timeline,
      goal: 'p99 <= 20',
      msPerAppend: round2(written.value.ms / written.value.appends),
      mongoCommandsPerAppend: round2(written.total / written.value.appends),
    });
    const verify = await timed(ROUNDS, async () => {
      const v = JSON.parse(await get(`/runs/${runId}/verify`)) as { ok: boolean; events: number };
      if (!v.ok || v.events !== EVENTS) throw new Error(`verify of ${runId} failed: ${JSON.stringify(v)}`);
    });
    ctx.print('read-verify', { events: EVENTS, rounds: ROUNDS, ...verify, goal: 'p99 <= 100' });
    const report = await timed(ROUNDS, () => get(`/runs/${runId}/report`));
    ctx.print('read-report', { events: EVENTS, rounds: ROUNDS, ...report, goal: 'p99 <= 200' });
    // A client that saw all but the last 10 events reconnects: the stream sends those 10, then `end` (the run ended).
    const resume = await countingCommands(ctx, () =>
      timed(ROUNDS, async () => {
        const body = await get(`/runs/${runId}/events`, { 'last-event-id': String(EVENTS - 10) });
        const ids = body.match(/^id: \d+$/gm) ?? [];
        if (ids.length !== 10 || ids[0] !== `id: ${EVENTS - 9}` || !body.includes('event: end')) throw new Error(`SSE resume of ${runId}: ${ids.length} events`);
      }),
    );
    ctx.print('read-sse-resume', {
      events: EVENTS,
      resumedAfter: EVENTS - 10,
      rounds: ROUNDS,
      ...resume.value,
      mongoCommandsPerRequest: round2(resume.total / (ROUNDS + 1)),
      goal: 'only the events after Last-Event-ID',
    });

    // A real run that finished: no read of it asks the workflow.
    const finished = await finishedRun(ctx);
    const first = await timed(0, () => get(`/runs/${finished}`));
    const later = await timed(ROUNDS, () => get(`/runs/${finished}`));
    ctx.print('read-finished-run', { rounds: ROUNDS, firstMs: first.maxMs, ...later, goal: 'p50 <= 20' });
  },
};

/** A completed run whose timeline holds `n` events, appended as a sequential run's flushes are: 1 to 3 events each. */
async function writeLongRun(ctx: BenchContext, runId: string, n: number): Promise<{ appends: number; ms: number }> {
  const db = ctx.lb.store.db;
  const at = (seq: number) => new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString();
  const event = (seq: number): TimelineEvent => {
    const stepId = `s${Math.floor(seq / 2)}`;
    if (seq === 1)
      return {
        seq,
        at: at(seq),
        type: 'run.started',
        actor: 'bench',
        detail: { runbook: 'bench-reads', version: 1, hash: 'h', mode: 'drill', trigger: { kind: 'cli', by: 'bench' }, parameters: {} },
      };
    return seq % 2 === 0
      ? { seq, at: at(seq), type: 'step.started', actor: 'lifeboat', stepId, attempt: 1, detail: { action: 'http', title: `Call service ${stepId}` } }
      : { seq, at: at(seq), type: 'step.succeeded', actor: 'lifeboat', stepId, attempt: 1, detail: { durationMs: 12, outputs: { status: 200, body: { ok: true } } } };
  };
  const t0 = performance.now();
  let seq = 0;
  let appends = 0;
  while (seq < n) {
    const size = Math.min(n - seq, 1 + (appends % 3));
    await appendTimelineEvents(
      db,
      runId,
      Array.from({ length: size }, (_, i) => event(seq + i + 1)),
    );
    seq += size;
    appends++;
  }
  const ms = performance.now() - t0;
  await saveRun(db, {
    runId,
    runbookId: 'bench-reads',
    version: 1,
    hash: 'h',
    mode: 'drill',
    status: 'completed',
    requester: 'bench',
    trigger: { kind: 'cli', by: 'bench' },
    parameters: {},
    startedAt: at(1),
    finishedAt: at(n),
  });
  return { appends, ms };
}

async function finishedRun(ctx: BenchContext): Promise<string> {
  const loaded = validateRunbookObject({ id: 'bench-reads-finished', title: 'bench', steps: [{ id: 'wait', action: 'wait', with: { duration: '1ms' } }] });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
  await saveRunbook(ctx.lb.store.db, loaded.runbook, loaded.hash);
  const { runId } = await ctx.runs.trigger({ runbook: 'bench-reads-finished', mode: 'drill' }, 'bench', { kind: 'cli', by: 'bench' });
  await ctx.lb.client.workflow.getHandle(runId).result();
  return runId;
}

/** MongoDB commands sent while `f` runs. */
async function countingCommands<T>(ctx: BenchContext, f: () => Promise<T>): Promise<{ value: T; total: number }> {
  const client = ctx.lb.store.client;
  let total = 0;
  const listener = () => void total++;
  client.on('commandStarted', listener);
  try {
    return { value: await f(), total };
  } finally {
    client.off('commandStarted', listener);
  }
}

/** `once` after one warm-up call, `rounds` times: p50, p99 and max in ms. */
async function timed(rounds: number, once: () => Promise<unknown>): Promise<{ p50Ms: number; p99Ms: number; maxMs: number }> {
  const ms: number[] = [];
  if (rounds > 0) await once(); // warm-up, not counted
  for (let i = 0; i < Math.max(1, rounds); i++) {
    const t = performance.now();
    await once();
    ms.push(performance.now() - t);
  }
  return { p50Ms: round2(percentile(ms, 50)), p99Ms: round2(percentile(ms, 99)), maxMs: round2(Math.max(...ms)) };
}

function request(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 300)}`))));
      })
      .on('error', reject);
  });
}
