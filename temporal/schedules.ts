import { Client, ScheduleNotFoundError } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';

/** A workflow run a Temporal Schedule started: its workflow id and first run id, as the schedule recorded them. */
export interface ScheduledStart {
  workflowId: string;
  runId: string;
}

/**
 * What the worker asks Temporal about a schedule (activities/identity.ts): the runs it started that it still lists
 * (running, and its recent actions), or undefined when there is no such schedule.
 */
export type ScheduleStarts = (scheduleId: string) => Promise<ScheduledStart[] | undefined>;

/** ScheduleStarts over the worker's own connection to Temporal. */
export function scheduleStarts(connection: NativeConnection, namespace: string): ScheduleStarts {
  const client = new Client({ connection, namespace });
  return async (scheduleId) => {
    try {
      const d = await client.schedule.getHandle(scheduleId).describe();
      return [...d.info.runningActions.map((a) => a.workflow), ...d.info.recentActions.map((a) => a.action.workflow)].map((w) => ({
        workflowId: w.workflowId,
        runId: w.firstExecutionRunId,
      }));
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  };
}
