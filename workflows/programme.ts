// The drill programme's check (docs/reports-and-schedules.md): a Temporal Schedule starts drillProgrammeWorkflow every
// LIFEBOAT_DRILL_CHECK_EVERY; it finds overdue drills and records their notices through one activity, then hands each
// notice not yet delivered to a workflow of its own. That workflow's id names the notice, so two checks at once cannot
// deliver it twice at once; each delivery's key names the notice and target, so sendNotification sends it once
// (checked before sending), whichever check, retry or replay asks; a delivery that failed is tried again by the next
// check, until every recipient has it.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild, workflowInfo, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PROGRAMME } from '../contract/names';
import { targetName } from '../notify/route';
import { triesOf } from '../notify/tries';
import { describeError } from './failures';

const { checkDrillProgramme, drillNoticeDeliveries, recordDrillNotice } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

const { sendNotification } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '15 seconds',
  // Through a short outage within one check; beyond, the next check tries again.
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** What one check did. */
export interface ProgrammeCheck {
  runbooks: number;
  overdue: number;
  /** Notices handed to their workflow now; notices already being delivered by another check are in `busy`. */
  notices: string[];
  busy: string[];
}

/**
 * One check of the drill programme, as of the workflow's clock or an earlier `now` (ISO-8601: a test's); `runbooks`
 * limits it to those runbooks (a manual check, a test). Plain JSON in and out.
 */
export async function drillProgrammeWorkflow(input: { now?: string; runbooks?: string[] } = {}): Promise<ProgrammeCheck> {
  // Never later than the clock: due dates do not depend on `now`, so an earlier one finds at most the drills overdue
  // now, and whoever can start this workflow cannot make a drill overdue ahead of time.
  const asked = input.now === undefined ? NaN : Date.parse(input.now);
  const now = asked < Date.now() ? new Date(asked).toISOString() : new Date().toISOString();
  const { runbooks, overdue, pending } = await checkDrillProgramme({ now, runbooks: input.runbooks });
  const { taskQueue } = workflowInfo();
  const notices: string[] = [];
  const busy: string[] = [];
  for (const noticeId of pending) {
    try {
      await startChild(drillNoticeWorkflow, {
        workflowId: PROGRAMME.noticeWorkflowId(taskQueue, noticeId),
        args: [{ noticeId }],
        // A notice whose earlier workflow ended with a delivery failed is tried again by a later check.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      notices.push(noticeId);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      busy.push(noticeId);
    }
  }
  return { runbooks, overdue, notices, busy };
}

/** Delivers one notice to each of its recipients and records the outcomes; sent: whether every recipient has it now. */
export async function drillNoticeWorkflow(input: { noticeId: string }): Promise<{ noticeId: string; sent: boolean }> {
  const deliveries = await drillNoticeDeliveries({ noticeId: input.noticeId });
  if (deliveries.length === 0) return { noticeId: input.noticeId, sent: true };
  const outcomes = await Promise.all(
    deliveries.map(async (d) => {
      const base = { channel: d.target.channel, target: targetName(d.target) };
      try {
        const res = await sendNotification(d);
        return { ...base, at: new Date().toISOString(), sent: true, duplicate: res.status === 'duplicate', tries: res.tries };
      } catch (err) {
        return { ...base, at: new Date().toISOString(), sent: false, tries: triesOf(err), error: describeError(err).message };
      }
    }),
  );
  await recordDrillNotice({ noticeId: input.noticeId, outcomes, at: new Date().toISOString() });
  return { noticeId: input.noticeId, sent: outcomes.every((o) => o.sent) };
}
