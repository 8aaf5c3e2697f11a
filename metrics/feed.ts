import { closeApproval, markEnded, markRunning, openApproval } from '../store/live';
import type { Db } from '../store/connection';
import { getRunbook } from '../store/registry';
import { getRun } from '../store/runs';
import type { TimelineEvent } from '../timeline/event';
import { UNKNOWN, type RunLabels, type RunMetrics } from './runs';

/** Runs whose labels are kept; past this the oldest are looked up again when their next batch comes. */
const MAX_RUNS = 1000;
const APPROVAL_ENDS = new Set<TimelineEvent['type']>([
  'approval.rejected',
  'approval.expired',
  'approval.overridden',
  'step.succeeded',
  'step.failed',
  'step.timed-out',
  'step.skipped',
]);
const RUN_ENDS = new Set<TimelineEvent['type']>(['run.completed', 'run.failed', 'run.aborted']);

/**
 * What the worker derives from the timeline batches it writes (activities/record.ts): the run and step metrics of
 * this process (metrics/runs.ts) and the store's record of the runs running and the approvals they wait on (store/live.ts).
 */
export class TimelineFeed {
  private readonly labels = new Map<string, RunLabels>();

  constructor(
    private readonly db: Db,
    private readonly metrics?: RunMetrics,
  ) {}

  /**
   * The run's runbook, mode and step actions: from its run.started event when the batch has it, else from its
   * record, with the pinned runbook version for the actions (point lookups by `_id`); kept per run.
   */
  async labelsOf(runId: string, events: readonly TimelineEvent[]): Promise<RunLabels> {
    const known = this.labels.get(runId);
    if (known) return known;
    const start = events.find((e) => e.type === 'run.started');
    const record = start ? { runbookId: start.detail.runbook, version: start.detail.version, mode: start.detail.mode } : await getRun(this.db, runId);
    if (!record) return { runbook: UNKNOWN, mode: UNKNOWN, actions: new Map() }; // not cached: the record may come
    const pinned = await getRunbook(this.db, record.runbookId, record.version);
    const labels: RunLabels = { runbook: record.runbookId, mode: record.mode, actions: new Map(pinned?.runbook.steps.map((s) => [s.id, s.action])) };
    this.labels.set(runId, labels);
    if (this.labels.size > MAX_RUNS) this.labels.delete(this.labels.keys().next().value!);
    return labels;
  }

  /**
   * After a batch is appended: counts it when this call stored it (`written`), and records the run's start and end
   * and the approvals it opens and closes whether or not (absolute writes, so a retry after a failed one makes them
   * true).
   */
  async appended(runId: string, labels: RunLabels, events: readonly TimelineEvent[], written: boolean): Promise<void> {
    if (written) this.metrics?.observe(runId, labels, events);
    const start = events.find((e) => e.type === 'run.started');
    if (start) await markRunning(this.db, { runId, runbookId: labels.runbook, mode: labels.mode, since: start.at });
    const ended = events.some((e) => RUN_ENDS.has(e.type));
    const approvals = [...labels.actions].filter(([, action]) => action === 'approval').map(([id]) => id);
    for (const e of events) {
      if (e.stepId === undefined || !approvals.includes(e.stepId)) continue;
      if (e.type === 'approval.requested') await openApproval(this.db, { runId, runbookId: labels.runbook, stepId: e.stepId, since: e.at });
      else if (APPROVAL_ENDS.has(e.type)) await closeApproval(this.db, runId, e.stepId);
    }
    // An aborted or cancelled run ends its approvals without an event of their own.
    if (ended) {
      for (const stepId of approvals) await closeApproval(this.db, runId, stepId);
      await markEnded(this.db, runId);
      this.labels.delete(runId);
    }
  }
}
