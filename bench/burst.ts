// A burst of POST /runs, as an outage's automation sends them: many clients at once, each answer's latency. The
// clients run in a process of their own (bench/burst-client.ts) over connections opened beforehand, as many separate
// clients would; the API and the worker are the bench's. Beside it, in the same invocation: each phase of the
// trigger path alone, as many at once (where the time goes), and `raw`, as many bare workflow starts on the same
// server (Temporal's part alone).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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

// The collections the trigger path reads and writes: the MongoDB commands a trigger costs are counted on these.
const TRIGGER_COLLECTIONS = new Set(['tokens', 'rate_counters', 'runbooks', 'runbook_versions', 'runbook_reviews', 'idempotency']);

const ClientAnswer = z.object({ wallMs: z.number(), answers: z.array(z.object({ ms: z.number(), status: z.number(), runId: z.string().optional() })) });

/** Runs the burst's clients in a process of their own; answers what they measured. */
function burstFromClients(order: BurstOrder): Promise<z.infer<typeof ClientAnswer>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'burst-client.js')], {
      env: { ...process.env, BENCH_BURST_ORDER: JSON.stringify(order) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`burst-client exited ${code}`));
      try {
        resolve(ClientAnswer.parse(JSON.parse(out)));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
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
    await burstFromClients({ url: ctx.lb.url, token: created.token, body, n: 1 }); // warm-up
    const measured = await triggerCommands(ctx, () => burstFromClients({ url: ctx.lb.url, token: created.token, body, n: N_BURST }));
    const { answers, wallMs } = measured.value;
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
    const raw = await atOnce(N_BURST, (i) => ctx.lb.client.workflow.start('rawNoop', { taskQueue: ctx.taskQueue, workflowId: rawIds[i]!, args: [] }));
    await settle(rawIds);

    const ms = answers.map((a) => a.ms);
    ctx.print('burst', {
      triggers: N_BURST,
      errors: errors.length,
      firstError: errors[0]?.status,
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
      client: 'separate process, connections opened before the burst',
    });
  },
};
