import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/connection';
import { runningRuns, waitingApprovals, type RunningRun, type WaitingApproval } from '../store/live';

interface Snapshot {
  running: RunningRun[];
  approvals: WaitingApproval[];
}

/**
 * Gauges of what is going on now, read at scrape time from the two small collections the workers keep (store/live.ts),
 * whatever the number of runs stored, and never from Temporal: runs running by mode, approvals waiting by runbook and
 * how long the oldest has waited.
 * Every API process reports the same values (take `max` across them, not `sum`).
 */
export function registerStoreGauges(registry: Registry, db: Db, now: () => number = Date.now): void {
  // prom-client collects every metric of a scrape at once: they share one read of the store.
  let pending: Promise<Snapshot> | undefined;
  const snapshot = (): Promise<Snapshot> => {
    pending ??= read(db).finally(() => {
      pending = undefined;
    });
    return pending;
  };
  const registers = [registry];
  new Gauge({
    name: 'lifeboat_runs_running',
    help: 'Runs running (paused ones included), by mode.',
    labelNames: ['mode'],
    registers,
    async collect() {
      const { running } = await snapshot();
      this.reset();
      for (const mode of ['drill', 'recovery']) this.set({ mode }, running.filter((r) => r.mode === mode).length);
    },
  });
  new Gauge({
    name: 'lifeboat_approvals_waiting',
    help: 'Approval steps that running runs wait on, by runbook.',
    labelNames: ['runbook'],
    registers,
    async collect() {
      this.reset();
      for (const [runbook, list] of byRunbook(await snapshot())) this.set({ runbook }, list.length);
    },
  });
  new Gauge({
    name: 'lifeboat_approval_oldest_waiting_seconds',
    help: 'How long the oldest approval that a running run waits on has waited, by runbook.',
    labelNames: ['runbook'],
    registers,
    async collect() {
      this.reset();
      for (const [runbook, list] of byRunbook(await snapshot())) this.set({ runbook }, Math.max(0, now() - Math.min(...list.map((a) => Date.parse(a.since)))) / 1000);
    },
  });
}

async function read(db: Db): Promise<Snapshot> {
  const [running, approvals] = await Promise.all([runningRuns(db), waitingApprovals(db)]);
  return { running, approvals };
}

// Only approvals of runs still running: a record left behind by a run that ended while its write was late counts not.
function byRunbook({ running, approvals }: Snapshot): Map<string, WaitingApproval[]> {
  const ids = new Set(running.map((r) => r.runId));
  const out = new Map<string, WaitingApproval[]>();
  for (const a of approvals) if (ids.has(a.runId)) out.set(a.runbookId, [...(out.get(a.runbookId) ?? []), a]);
  return out;
}
