import type { Client } from '@temporalio/client';
import type { Db } from '../store/connection';
import { countRtoBreaches, countRuns, newestRuns } from '../store/run-stats';
import { RecordStatus } from '../contract/run';
import { Mode } from '../model/runbook';
import { readTimeline } from '../store/timeline';
import type { StoredTimelineEvent } from '../timeline/event';
import { runStateQuery } from '../contract/messages';

/** One metric family in Prometheus terms; histograms carry their bucket bounds. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  samples: Array<{ labels: Record<string, string>; value: number }>;
  /** Histogram observations (seconds) by label set, bucketed by `buckets`. */
  observations?: Array<{ labels: Record<string, string>; values: number[] }>;
  buckets?: number[];
}

/** How many finished runs the step-duration histogram is computed from. */
export const STEP_SAMPLE_RUNS = 100;
const STEP_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14400];
const QUERY_DEADLINE_MS = 1500;
const MAX_RUNNING_QUERIED = 500;

type StepObservation = { step: string; outcome: 'succeeded' | 'failed'; seconds: number };

/**
 * The numbers /metrics reports, read at scrape time from the runs collection, the timelines of recent finished
 * runs and the live state of running runs. Nothing is kept but a cache of finished runs' (immutable) step times.
 */
export class RunMetrics {
  private readonly stepCache = new Map<string, StepObservation[]>();

  constructor(private readonly deps: { db: Db; client: Client }) {}

  async collect(): Promise<MetricFamily[]> {
    const [counts, breaches, waiting, steps] = await Promise.all([countRuns(this.deps.db), countRtoBreaches(this.deps.db), this.approvalsWaiting(), this.stepDurations()]);
    const runs: MetricFamily = { name: 'lifeboat_runs', help: 'Runs by status and mode, from the runs collection.', type: 'gauge', samples: [] };
    for (const status of RecordStatus.options) {
      for (const mode of Mode.options) {
        const value = counts.find((c) => c.status === status && c.mode === mode)?.count ?? 0;
        runs.samples.push({ labels: { status, mode }, value });
      }
    }
    return [
      runs,
      {
        name: 'lifeboat_rto_breaches_total',
        type: 'counter',
        help: "Runs whose recovery took longer than the runbook's RTO, by runbook and mode.",
        samples: breaches.map((b) => ({ labels: { runbook: b.runbookId, mode: b.mode }, value: b.count })),
      },
      {
        name: 'lifeboat_approvals_waiting',
        type: 'gauge',
        help: 'Approval steps running runs are waiting on, by runbook (from their live state; runs that do not answer within 1.5 s are left out).',
        samples: [...waiting].map(([runbook, value]) => ({ labels: { runbook }, value })),
      },
      {
        name: 'lifeboat_step_duration_seconds',
        type: 'histogram',
        buckets: STEP_BUCKETS,
        samples: [],
        help: `Time from a step attempt's start to its success or failure, over the last ${STEP_SAMPLE_RUNS} finished runs' timelines.`,
        observations: steps,
      },
    ];
  }

  private async approvalsWaiting(): Promise<Map<string, number>> {
    const running = await newestRuns(this.deps.db, ['running'], MAX_RUNNING_QUERIED);
    const waiting = new Map<string, number>();
    // A run whose worker is gone never answers a query: a deadline keeps the scrape bounded.
    await inBatches(running, 16, async ({ runId, runbookId }) => {
      try {
        const state = await this.deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => this.deps.client.workflow.getHandle(runId).query(runStateQuery));
        const n = state.waitingFor.filter((w) => w.kind === 'approval').length;
        if (n > 0) waiting.set(runbookId, (waiting.get(runbookId) ?? 0) + n);
      } catch {
        // Not answering, closed or gone: not counted.
      }
    });
    return waiting;
  }

  private async stepDurations(): Promise<Array<{ labels: Record<string, string>; values: number[] }>> {
    const finished = await newestRuns(this.deps.db, ['completed', 'failed', 'aborted'], STEP_SAMPLE_RUNS);
    const keep = new Set(finished.map((r) => r.runId));
    for (const id of this.stepCache.keys()) if (!keep.has(id)) this.stepCache.delete(id);
    await inBatches(
      finished.filter((r) => !this.stepCache.has(r.runId)),
      8,
      async ({ runId }) => {
        const { events } = await readTimeline(this.deps.db, runId);
        this.stepCache.set(runId, stepTimes(events));
      },
    );
    const series = new Map<string, { labels: Record<string, string>; values: number[] }>();
    for (const run of finished) {
      for (const o of this.stepCache.get(run.runId) ?? []) {
        const labels = { runbook: run.runbookId, step: o.step, outcome: o.outcome };
        const key = JSON.stringify(labels);
        const s: { labels: Record<string, string>; values: number[] } = series.get(key) ?? { labels, values: [] };
        s.values.push(o.seconds);
        series.set(key, s);
      }
    }
    return [...series.values()];
  }
}

/** Each step attempt's duration, from its step.started event to the event that ended it. */
export function stepTimes(events: StoredTimelineEvent[]): StepObservation[] {
  const started = new Map<string, number>();
  const out: StepObservation[] = [];
  for (const e of events) {
    if (!e.stepId) continue;
    if (e.type === 'step.started') started.set(e.stepId, Date.parse(e.at));
    const outcome = e.type === 'step.succeeded' ? 'succeeded' : e.type === 'step.failed' || e.type === 'step.timed-out' ? 'failed' : undefined;
    const from = started.get(e.stepId);
    if (outcome && from !== undefined) {
      out.push({ step: e.stepId, outcome, seconds: Math.max(0, Date.parse(e.at) - from) / 1000 });
      started.delete(e.stepId);
    }
  }
  return out;
}

async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}
