import { z } from 'zod';
import { durationProblem } from '../model/duration';
import { RunbookId } from '../model/runbook';
import { RecordStatus } from '../contract/run';

export const ScheduleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/i, { error: 'use 1 to 100 letters, digits, ., _ or -, starting with a letter or digit, e.g. nightly-orders-drill' })
  .meta({ id: 'ScheduleId' });
export type ScheduleId = z.infer<typeof ScheduleId>;

/** What happens when a drill is due while the previous one is still running (Temporal's overlap policies). */
export const OverlapPolicy = z.enum(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all']).meta({ id: 'ScheduleOverlapPolicy' });
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

const Every = z.string().superRefine((text, ctx) => {
  const problem = durationProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const TimeZone = z
  .string()
  .min(1)
  .max(100)
  .superRefine((tz, ctx) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      ctx.addIssue({ code: 'custom', message: `unknown time zone '${tz}'; use an IANA name such as UTC or Europe/Paris` });
    }
  });

/** How a schedule's times are written, as its creator gave them (kept in the schedule's memo). */
export const ScheduleTiming = z.object({
  cron: z.string().min(1).max(200).optional().meta({ description: "A cron expression, e.g. '0 3 * * MON' (Mondays 03:00); Temporal parses it." }),
  every: Every.optional().meta({ description: 'An interval such as 24h or 7d (at most 30 days); instead of cron.' }),
  timezone: TimeZone.optional().meta({ description: 'IANA time zone of the cron expression (default UTC).' }),
});

/** POST /schedules: a drill of a runbook, started by Temporal on a cron expression or an interval. */
export const CreateSchedule = z
  .strictObject({
    id: ScheduleId,
    runbook: RunbookId,
    version: z.int().positive().optional().meta({ description: 'Pin a runbook version; by default each drill runs the latest.' }),
    ...ScheduleTiming.shape,
    parameters: z.record(z.string(), z.unknown()).default({}),
    overlap: OverlapPolicy.default('skip'),
    paused: z.boolean().default(false),
    note: z.string().max(1000).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.cron !== undefined && s.every !== undefined) ctx.addIssue({ code: 'custom', path: ['every'], message: 'give cron or every, not both' });
    if (s.cron === undefined && s.every === undefined) ctx.addIssue({ code: 'custom', path: ['cron'], message: "give cron (e.g. '0 3 * * MON') or every (e.g. 24h)" });
  })
  // The rule above, for the JSON Schema (a refinement has none): exactly one of the two.
  .meta({ oneOf: [{ required: ['cron'] }, { required: ['every'] }] });
export type CreateSchedule = z.infer<typeof CreateSchedule>;

/** What Lifeboat keeps in the Temporal schedule's memo: the request's timing and the task queue it serves. */
export const ScheduleMemo = ScheduleTiming.extend({ runbook: z.string(), version: z.int().optional(), taskQueue: z.string() });
export type ScheduleMemo = z.infer<typeof ScheduleMemo>;

/** A drill a schedule started. */
export const ScheduledRun = z.object({
  runId: z.string(),
  scheduledAt: z.string(),
  takenAt: z.string(),
  status: RecordStatus.optional().meta({ description: 'From the run record; absent until the run has written it.' }),
});
export type ScheduledRun = z.infer<typeof ScheduledRun>;

/** One schedule in GET /schedules. */
export const ScheduleSummary = ScheduleMemo.omit({ taskQueue: true })
  .extend({
    id: z.string(),
    paused: z.boolean(),
    note: z.string().optional(),
    nextActionTimes: z.array(z.string()),
    recentRuns: z.array(ScheduledRun),
  })
  .meta({ id: 'ScheduleSummary' });
export type ScheduleSummary = z.infer<typeof ScheduleSummary>;

/** GET /schedules/:id: the schedule as Temporal describes it, with the drills it started. */
export const ScheduleDetail = ScheduleSummary.extend({
  parameters: z.record(z.string(), z.unknown()),
  overlap: OverlapPolicy.optional(),
  createdAt: z.string(),
  actionsTaken: z.int(),
  runningRuns: z.array(z.string()),
}).meta({ id: 'ScheduleDetail' });
export type ScheduleDetail = z.infer<typeof ScheduleDetail>;
