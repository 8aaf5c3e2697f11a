import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleExecutionResult,
  type ScheduleHandle,
  type ScheduleSummary as TemporalSummary,
} from '@temporalio/client';
import { DomainError } from '../runs/errors';
import { resolveParameters } from '../runs/parameters';
import { RunInput } from '../contract/run';
import type { Signer } from '../runs/signing';
import type { Db } from '../store/connection';
import { getRunbook } from '../store/registry';
import { getRun } from '../store/runs';
import { MEMO_KEY, overlapName, scheduleOptions } from './options';
import { ScheduleMemo, type CreateSchedule, type ScheduledRun, type ScheduleDetail, type ScheduleSummary } from './types';

/** Scheduled drills on Temporal Schedules: Temporal keeps the schedule and starts each drill; nothing here polls. */
export class ScheduleService {
  constructor(private readonly deps: { client: Client; db: Db; taskQueue: string; signer: Signer }) {}

  /** Checks the runbook and parameters, then creates the schedule; Temporal parses the cron expression. */
  async create(req: CreateSchedule): Promise<ScheduleDetail> {
    const pinned = await getRunbook(this.deps.db, req.runbook, req.version);
    if (!pinned) {
      const what = req.version === undefined ? `runbook ${req.runbook}` : `version ${req.version} of runbook ${req.runbook}`;
      throw new DomainError('not-found', `${what} is not registered; list runbooks with GET /runbooks`);
    }
    const params = resolveParameters(pinned.runbook, req.parameters);
    if (!params.ok) {
      const issues = params.issues.map((i) => ({ ...i, path: `body.${i.path}` }));
      throw new DomainError('invalid', `parameters do not fit runbook ${req.runbook}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
    }
    try {
      await this.deps.client.schedule.create(scheduleOptions(req, this.deps.taskQueue, this.deps.signer));
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) {
        throw new DomainError('conflict', `schedule ${req.id} exists; delete it first (DELETE /schedules/${req.id}) or choose another id`);
      }
      throw specProblem(err, req) ?? err;
    }
    return this.get(req.id);
  }

  /** This deployment's schedules (those starting runs on its task queue), by id. */
  async list(): Promise<ScheduleSummary[]> {
    const out: ScheduleSummary[] = [];
    for await (const s of this.deps.client.schedule.list()) {
      const memo = this.memoOf(s);
      if (memo) out.push(await this.summary(s, memo));
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** This deployment's schedules with their runbook and next time, from one listing: no store read per schedule (the drill programme). */
  async upcoming(): Promise<Array<{ id: string; runbook: string; paused: boolean; nextAt?: string }>> {
    const out: Array<{ id: string; runbook: string; paused: boolean; nextAt?: string }> = [];
    for await (const s of this.deps.client.schedule.list()) {
      const memo = this.memoOf(s);
      const next = s.info.nextActionTimes[0];
      if (memo) out.push({ id: s.scheduleId, runbook: memo.runbook, paused: s.state.paused, ...(next ? { nextAt: next.toISOString() } : {}) });
    }
    return out;
  }

  /** One schedule: its timing, next times and the drills it started. */
  async get(id: string): Promise<ScheduleDetail> {
    const { description: d, memo } = await this.describe(id);
    const input = RunInput.safeParse(d.action.args?.[0]);
    return {
      ...(await this.summary(d, memo)),
      parameters: input.success ? input.data.parameters : {},
      overlap: overlapName(d.policies.overlap),
      createdAt: d.info.createdAt.toISOString(),
      actionsTaken: d.info.numActionsTaken,
      runningRuns: d.info.runningActions.map((a) => a.workflow.workflowId),
    };
  }

  async pause(id: string, note: string): Promise<ScheduleDetail> {
    await (await this.describe(id)).handle.pause(note);
    return this.get(id);
  }

  async resume(id: string, note: string): Promise<ScheduleDetail> {
    await (await this.describe(id)).handle.unpause(note);
    return this.get(id);
  }

  /** Starts a drill now, even when the schedule is paused or a drill is running (overlap: allow_all). */
  async trigger(id: string): Promise<void> {
    await (await this.describe(id)).handle.trigger();
  }

  /** Deletes the schedule; drills it already started go on. */
  async delete(id: string): Promise<void> {
    await (await this.describe(id)).handle.delete();
  }

  private async describe(id: string): Promise<{ handle: ScheduleHandle; description: ScheduleDescription; memo: ScheduleMemo }> {
    const handle = this.deps.client.schedule.getHandle(id);
    let description: ScheduleDescription;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw notFound(id);
      throw err;
    }
    const memo = this.memoOf(description);
    if (!memo) throw notFound(id); // a Temporal schedule, but not one of this deployment's drills
    return { handle, description, memo };
  }

  private memoOf(s: { memo?: Record<string, unknown> }): ScheduleMemo | undefined {
    const parsed = ScheduleMemo.safeParse(s.memo?.[MEMO_KEY]);
    return parsed.success && parsed.data.taskQueue === this.deps.taskQueue ? parsed.data : undefined;
  }

  private async summary(s: TemporalSummary | ScheduleDescription, memo: ScheduleMemo): Promise<ScheduleSummary> {
    const { taskQueue: _queue, ...timing } = memo;
    return {
      id: s.scheduleId,
      ...timing,
      paused: s.state.paused,
      ...(s.state.note ? { note: s.state.note } : {}),
      nextActionTimes: s.info.nextActionTimes.map((t) => t.toISOString()),
      recentRuns: await Promise.all(s.info.recentActions.map((a) => this.scheduledRun(a))),
    };
  }

  private async scheduledRun(a: ScheduleExecutionResult): Promise<ScheduledRun> {
    const runId = a.action.workflow.workflowId;
    const record = await getRun(this.deps.db, runId);
    return { runId, scheduledAt: a.scheduledAt.toISOString(), takenAt: a.takenAt.toISOString(), ...(record ? { status: record.status } : {}) };
  }
}

function notFound(id: string): DomainError {
  return new DomainError('not-found', `schedule ${id} does not exist; list schedules with GET /schedules`);
}

/**
 * Temporal parses cron expressions and time zones itself; the client turns its "Invalid schedule spec" answer into
 * a TypeError carrying the server's reason ("Minute is not in range [0-59]"), which becomes a 400 at the field.
 */
function specProblem(err: unknown, req: CreateSchedule): DomainError | undefined {
  if (!(err instanceof Error) || err.name !== 'TypeError') return undefined;
  const path = /time ?zone/i.test(err.message) ? 'body.timezone' : req.cron !== undefined ? 'body.cron' : 'body.every';
  return new DomainError('invalid', `the schedule's ${path.slice(5)} is invalid: ${err.message}`, [{ path, message: err.message }]);
}
