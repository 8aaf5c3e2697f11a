import { Counter, Histogram, type Registry } from 'prom-client';
import type { TimelineEvent } from '../timeline/event';

/** What a run's metrics are labelled with: its runbook and mode, and each step's action. */
export interface RunLabels {
  runbook: string;
  mode: string;
  actions: ReadonlyMap<string, string>;
}

/** The action of a step the labels do not know (a runbook version no longer in the registry). */
export const UNKNOWN = 'unknown';

const STEP_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14400];
const RECOVERY_BUCKETS = [60, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];
/** Attempt starts kept to time their ends; past this the oldest are dropped (their ends are counted, not timed). */
const MAX_STARTS = 10_000;

const ATTEMPT_END = { 'step.succeeded': 'succeeded', 'step.failed': 'failed', 'step.timed-out': 'timed-out', 'step.redispatched': 'lost', 'step.simulated': 'simulated' } as const;
const RUN_END = { 'run.completed': 'completed', 'run.failed': 'failed', 'run.aborted': 'aborted' } as const;

/**
 * The worker's counters and histograms of runs and steps, fed from the timeline events as the worker writes them
 * (activities/record.ts): each batch is fed once, by the process whose write stored it, so a retried or repeated
 * write counts nothing twice. They live in the worker process and only go up; Prometheus scrapes every worker and
 * sums (a restart starts them at zero again, which `rate()` and `increase()` expect).
 */
export class RunMetrics {
  private readonly runs: Counter<'mode' | 'status'>;
  private readonly attempts: Counter<'action' | 'outcome'>;
  private readonly stepSeconds: Histogram<'action' | 'outcome'>;
  private readonly recoverySeconds: Histogram<'runbook' | 'mode'>;
  private readonly rtoBreaches: Counter<'runbook' | 'mode'>;
  private readonly starts = new Map<string, number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.runs = new Counter({ name: 'lifeboat_runs_total', help: 'Runs that ended, by mode and status.', labelNames: ['mode', 'status'], registers });
    this.attempts = new Counter({
      name: 'lifeboat_step_attempts_total',
      help: 'Step attempts that ended, by action and outcome (succeeded, failed, timed-out; lost: its worker died and it was dispatched again; simulated: a drill did not run it).',
      labelNames: ['action', 'outcome'],
      registers,
    });
    this.stepSeconds = new Histogram({
      name: 'lifeboat_step_duration_seconds',
      help: "Time from a step attempt's start to its end, by action and outcome; timed when the worker process that recorded the end also recorded the start.",
      labelNames: ['action', 'outcome'],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.recoverySeconds = new Histogram({
      name: 'lifeboat_recovery_seconds',
      help: 'Time from the incident (or the run start) to recovery achieved, by runbook and mode.',
      labelNames: ['runbook', 'mode'],
      buckets: RECOVERY_BUCKETS,
      registers,
    });
    this.rtoBreaches = new Counter({
      name: 'lifeboat_rto_breaches_total',
      help: "Runs that ended with recovery later than the runbook's RTO (or not achieved past it), by runbook and mode.",
      labelNames: ['runbook', 'mode'],
      registers,
    });
    for (const mode of ['drill', 'recovery']) for (const status of Object.values(RUN_END)) this.runs.inc({ mode, status }, 0);
  }

  /** Counts and times the events of one timeline batch of run `runId`; call once per stored batch. */
  observe(runId: string, run: RunLabels, events: readonly TimelineEvent[]): void {
    for (const e of events) {
      if (e.type === 'step.started') {
        this.rememberStart(`${runId}\0${e.stepId}\0${e.attempt}`, Date.parse(e.at));
      } else if (e.type in ATTEMPT_END && e.stepId !== undefined) {
        const outcome = ATTEMPT_END[e.type as keyof typeof ATTEMPT_END];
        const labels = { action: run.actions.get(e.stepId) ?? UNKNOWN, outcome };
        this.attempts.inc(labels);
        const key = `${runId}\0${e.stepId}\0${e.attempt}`;
        const started = this.starts.get(key);
        if (started !== undefined && outcome !== 'lost') {
          this.starts.delete(key);
          this.stepSeconds.observe(labels, Math.max(0, Date.parse(e.at) - started) / 1000);
        }
      } else if (e.type === 'recovery.achieved') {
        this.recoverySeconds.observe({ runbook: run.runbook, mode: run.mode }, e.detail.achievedMs / 1000);
      } else if (e.type === 'run.completed' || e.type === 'run.failed' || e.type === 'run.aborted') {
        this.runs.inc({ mode: run.mode, status: RUN_END[e.type] });
        if (e.detail.recovery.breached) this.rtoBreaches.inc({ runbook: run.runbook, mode: run.mode });
      }
    }
  }

  private rememberStart(key: string, at: number): void {
    this.starts.set(key, at);
    if (this.starts.size > MAX_STARTS) this.starts.delete(this.starts.keys().next().value!);
  }
}
