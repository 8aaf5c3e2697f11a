import { ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { durationMs } from '../model/duration';
import { runSearchAttributes } from '../contract/names';
import type { RunInput } from '../contract/run';
import type { Signer } from '../runs/signing';
import { OverlapPolicy, type CreateSchedule, type ScheduleMemo } from './types';

/** The memo key under which a schedule carries its Lifeboat definition. */
export const MEMO_KEY = 'lifeboat';

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

/** Lifeboat's name for a Temporal overlap policy. */
export function overlapName(policy: ScheduleOverlapPolicy): OverlapPolicy | undefined {
  return OverlapPolicy.options.find((name) => OVERLAP[name] === policy);
}

/**
 * The drill a schedule starts: the runbook by reference (resolved when each run starts, so "latest" means latest
 * then), no run id (the run takes the workflow id Temporal gives each scheduled start) and no pinned definition.
 */
export function scheduledRunInput(s: Pick<CreateSchedule, 'id' | 'runbook' | 'version' | 'parameters'>): RunInput {
  return {
    ref: s.version === undefined ? { id: s.runbook } : { id: s.runbook, version: s.version },
    mode: 'drill',
    parameters: s.parameters,
    requester: `schedule:${s.id}`,
    trigger: { kind: 'schedule', by: s.id },
  };
}

/**
 * The Temporal schedule for a request: its spec, its action (start runbookWorkflow, with the input signed once for
 * every start the schedule makes) and Lifeboat's memo.
 */
export function scheduleOptions(s: CreateSchedule, taskQueue: string, signer: Signer): ScheduleOptions {
  const memo: ScheduleMemo = { runbook: s.runbook, version: s.version, cron: s.cron, every: s.every, timezone: s.timezone, taskQueue };
  return {
    scheduleId: s.id,
    spec: {
      ...(s.cron !== undefined ? { cronExpressions: [s.cron] } : {}),
      ...(s.every !== undefined ? { intervals: [{ every: durationMs(s.every) }] } : {}),
      ...(s.timezone !== undefined ? { timezone: s.timezone } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'runbookWorkflow',
      taskQueue,
      // Temporal appends the scheduled time to this id: runs are named `<schedule id>-<time>`.
      workflowId: s.id,
      args: [signer.signStart(scheduledRunInput(s), 'schedule')],
      typedSearchAttributes: runSearchAttributes(s.runbook, 'drill'),
    },
    policies: { overlap: OVERLAP[s.overlap] },
    // Undefined fields are left out: the memo is a Temporal payload, read back by ScheduleMemo.
    memo: { [MEMO_KEY]: Object.fromEntries(Object.entries(memo).filter(([, v]) => v !== undefined)) },
    state: { paused: s.paused, ...(s.note !== undefined ? { note: s.note } : {}) },
  };
}
