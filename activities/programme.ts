import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { allChannels, channelOf, type ChannelRule, type ChannelTarget } from '../channels';
import { targetsOf } from '../channels/email';
import { FAILURE } from '../contract/names';
import { hasTemplate } from '../model/template';
import { targetName } from '../notify/route';
import { NotificationDelivery } from '../notify/types';
import type { ProgrammeEntry } from '../report/programme';
import { readProgramme } from '../report/programme-service';
import type { Db } from '../store/connection';
import { drillNoticeId, getDrillNotice, insertDrillNotice, NoticeOutcome, recordDrillNoticeOutcomes, saveProgrammeStatus, type DrillNoticeDoc } from '../store/programme';
import { getRunbook } from '../store/registry';
import { DomainError } from '../runs/errors';
import type { ActivityDeps } from './deps';

const Emails = z.array(z.email());
// Pages are for incidents: an overdue drill is not one.
const NOTICE_CHANNELS = new Set(['email', 'webhook']);

/**
 * Who hears that a runbook's drill is overdue (docs/reports-and-schedules.md): its `owner` when that is an email
 * address (or a comma-separated list of them); otherwise the email and webhook targets of the runbook's own
 * `notifications` rules, whatever events they list (rules whose recipients or URL are templates are left out: there
 * is no run to fill them from); otherwise the worker's default routes (LIFEBOAT_NOTIFY_EMAIL, LIFEBOAT_NOTIFY_WEBHOOK).
 */
export function overdueTargets(owner: string | undefined, rules: readonly ChannelRule[], defaults: readonly ChannelRule[]): ChannelTarget[] {
  const owners = Emails.safeParse((owner ?? '').split(',').map((s) => s.trim()));
  if (owner && owners.success) return targetsOf(owners.data);
  const literal = (list: readonly ChannelRule[]) => list.filter((r) => NOTICE_CHANNELS.has(r.channel) && !hasTemplate(JSON.stringify(r)));
  for (const list of [literal(rules), literal(defaults)]) {
    const targets = new Map<string, ChannelTarget>();
    for (const t of list.flatMap((r) => channelOf(r.channel).ruleTargets(r))) targets.set(`${t.channel} ${targetName(t)}`, t);
    if (targets.size > 0) return [...targets.values()];
  }
  return [];
}

/** The drill programme's check: overdue drills, their notices, and what the gauges read. */
export function programmeActivities({ store, config }: ActivityDeps) {
  const db = store.db;
  const defaults = (): ChannelRule[] => allChannels().flatMap((channel) => channel.defaultRules(config, ['run.failed']));
  return {
    /**
     * Reads the programme as of `now`, records per runbook what the gauges read, and for each overdue drill records
     * its notice (once per runbook and due date, before anything is sent: an existing notice stands as it is). Answers
     * the notices not yet delivered to every recipient. Idempotent: a retried or repeated check finds the same notices.
     */
    async checkDrillProgramme(input: { now: string; runbooks?: string[] }): Promise<{ runbooks: number; overdue: number; pending: string[] }> {
      const programme = await readProgramme({ db }, { now: input.now, runbooks: input.runbooks, notices: false }).catch((err: unknown) => {
        // A runbook named in the input that is not registered will not be on a retry either.
        throw err instanceof DomainError && err.kind === 'not-found' ? ApplicationFailure.nonRetryable(err.message, FAILURE.runbookNotFound) : err;
      });
      const pending: string[] = [];
      for (const entry of programme.runbooks) {
        await saveProgrammeStatus(db, { _id: entry.runbook.id, lastDrillAt: entry.lastDrill?.startedAt, dueAt: entry.dueByCadence, checkedAt: input.now });
        if (!entry.overdue || !entry.overdueSince) continue;
        const notice = await noticeFor(db, entry, entry.overdueSince, input.now, defaults);
        if (!notice.sentAt && notice.recipients.length > 0) pending.push(notice._id);
      }
      return { runbooks: programme.runbooks.length, overdue: programme.runbooks.filter((e) => e.overdue).length, pending };
    },
    /** A notice's planned deliveries, or none once it has gone out (its own workflow reads them again before sending). */
    async drillNoticeDeliveries(input: { noticeId: string }): Promise<NotificationDelivery[]> {
      const notice = await getDrillNotice(db, input.noticeId);
      if (!notice || notice.sentAt) return [];
      return z.array(NotificationDelivery).parse(JSON.parse(notice.deliveriesJson));
    },
    /** Records each delivery's outcome; once all were sent, the notice is done and later checks leave it alone. */
    async recordDrillNotice(input: { noticeId: string; outcomes: NoticeOutcome[]; at: string }): Promise<void> {
      const outcomes = z.array(NoticeOutcome).parse(input.outcomes);
      await recordDrillNoticeOutcomes(db, input.noticeId, outcomes, outcomes.length > 0 && outcomes.every((o) => o.sent) ? input.at : undefined);
    },
  };
}

/** The notice of this overdue period: the one recorded, or a new one with its deliveries planned now. */
async function noticeFor(db: Db, entry: ProgrammeEntry, dueAt: string, now: string, defaults: () => ChannelRule[]): Promise<DrillNoticeDoc> {
  const id = drillNoticeId(entry.runbook.id, dueAt);
  const existing = await getDrillNotice(db, id);
  if (existing) return existing;
  const pinned = await getRunbook(db, entry.runbook.id, entry.runbook.version);
  const targets = overdueTargets(entry.owner, pinned?.runbook.notifications ?? [], defaults());
  const d = entry.lastDrill;
  const message = {
    event: 'drill.overdue' as const,
    runId: d?.runId ?? '',
    runbookId: entry.runbook.id,
    runbookTitle: entry.runbook.title,
    mode: 'drill' as const,
    at: now,
    detail: { owner: entry.owner, every: entry.every, dueAt, lastDrill: d && { runId: d.runId, startedAt: d.startedAt, status: d.status }, openActions: entry.openActions.count },
  };
  const deliveries: NotificationDelivery[] = targets.map((target) => ({ key: `drill.overdue/${id}/${targetName(target)}`, target, message }));
  const doc: DrillNoticeDoc = {
    _id: id,
    runbookId: entry.runbook.id,
    dueAt,
    createdAt: now,
    deliveriesJson: JSON.stringify(deliveries),
    recipients: targets.map(targetName),
    outcomes: [],
  };
  // Two checks at once both plan it; the first insert stands and the other reads it back.
  if (await insertDrillNotice(db, doc)) return doc;
  return (await getDrillNotice(db, id)) ?? doc;
}
