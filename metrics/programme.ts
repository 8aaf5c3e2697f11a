import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/connection';
import { programmeStatuses, type ProgrammeStatusDoc } from '../store/programme';

/**
 * The drill programme's gauges, read at scrape time from what the overdue check (workflows/programme.ts) last found
 * per runbook: one find of one small collection, whatever the number of runbooks and runs, and never Temporal. The
 * newest drill's start is as of the last check (LIFEBOAT_DRILL_CHECK_EVERY); overdue is judged at the scrape, from the
 * cadence due date the check recorded, so it turns 1 when the due date passes. Every API process reports the same
 * values (take `max` across them, not `sum`).
 */
export function registerProgrammeGauges(registry: Registry, db: Db, now: () => number = Date.now): void {
  // prom-client collects every metric of a scrape at once: the two gauges share one read.
  let pending: Promise<ProgrammeStatusDoc[]> | undefined;
  const statuses = (): Promise<ProgrammeStatusDoc[]> => {
    pending ??= programmeStatuses(db).finally(() => {
      pending = undefined;
    });
    return pending;
  };
  const registers = [registry];
  new Gauge({
    name: 'lifeboat_runbook_last_drill_timestamp_seconds',
    help: "When the runbook's newest drill started (Unix seconds), as of the last programme check; absent for a runbook never drilled.",
    labelNames: ['runbook'],
    registers,
    async collect() {
      const list = await statuses();
      this.reset();
      for (const s of list) if (s.lastDrillAt) this.set({ runbook: s._id }, Date.parse(s.lastDrillAt) / 1000);
    },
  });
  new Gauge({
    name: 'lifeboat_runbook_drill_overdue',
    help: "1 when the runbook's drill.every has passed since its last drill (or its registration) with no drill started, else 0.",
    labelNames: ['runbook'],
    registers,
    async collect() {
      const list = await statuses();
      this.reset();
      const t = now();
      for (const s of list) this.set({ runbook: s._id }, s.dueAt !== undefined && Date.parse(s.dueAt) <= t ? 1 : 0);
    },
  });
}
