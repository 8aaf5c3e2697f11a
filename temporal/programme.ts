import { Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type ConnectionLike } from '@temporalio/client';
import { PROGRAMME } from '../contract/names';

/**
 * Keeps the Temporal Schedule that starts the drill programme's check (workflows/programme.ts) every `everyMs` on the
 * worker's task queue: created at the first worker's start, its interval updated when LIFEBOAT_DRILL_CHECK_EVERY
 * changed, deleted when it is off. Overlapping checks are skipped; Temporal keeps the schedule, nothing here polls.
 */
export async function ensureDrillCheckSchedule(
  connection: ConnectionLike,
  o: { namespace: string; taskQueue: string; everyMs: number | undefined },
): Promise<'created' | 'updated' | 'unchanged' | 'deleted' | 'off'> {
  const client = new Client({ connection, namespace: o.namespace });
  const scheduleId = PROGRAMME.checkScheduleId(o.taskQueue);
  const handle = client.schedule.getHandle(scheduleId);
  if (o.everyMs === undefined) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'off';
      throw err;
    }
  }
  const spec = { intervals: [{ every: o.everyMs }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action: { type: 'startWorkflow', workflowType: 'drillProgrammeWorkflow', args: [{}], taskQueue: o.taskQueue, workflowId: scheduleId },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const current = await handle.describe();
  const intervals = current.spec.intervals ?? [];
  if (intervals.length === 1 && intervals[0]?.every === o.everyMs) return 'unchanged';
  await handle.update((previous) => ({ ...previous, spec }));
  return 'updated';
}
