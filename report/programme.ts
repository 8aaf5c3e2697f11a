// Pure: the drill programme (GET /programme, `lifeboat programme`, the programme gauges, the overdue check) — for
// every runbook its cadence, last drill, next due date and open corrective actions. A function of what
// report/programme-service.ts reads; no I/O, so it is tested without servers. The run report's "Drill programme"
// section uses the same due-date rule (drillDueAt).
import { z } from 'zod';
import { RecordStatus, type RunRecord } from '../contract/run';
import { cadenceMs } from '../model/exercise';
import { Finding } from './finding';
import { ReportNotification } from './types';

/** When the next drill is due by the cadence: `every` after the drill (or registration) at `from`. */
export function drillDueAt(from: string, every: string): string {
  return new Date(Date.parse(from) + cadenceMs(every)).toISOString();
}

/** An open corrective action as the programme lists it. */
export const ProgrammeAction = Finding.pick({ runId: true, id: true, title: true, severity: true, owner: true, due: true, status: true });
export type ProgrammeAction = z.infer<typeof ProgrammeAction>;

/** The overdue notice of the current overdue period: sent once to the owner (docs/reports-and-schedules.md). */
export const ProgrammeNotice = z.object({
  dueAt: z.string().describe('The due date the notice is about: one notice per runbook and due date.'),
  createdAt: z.string().describe('When the check found the drill overdue and recorded the notice (before sending it).'),
  recipients: z.array(z.string()).describe('Where it goes, as printable target names; empty when the runbook names no recipient.'),
  sentAt: z.string().optional().describe('When every recipient had it; absent while a delivery is still to be retried.'),
  deliveries: z.array(ReportNotification).describe("Each delivery's outcome, as the last check recorded it."),
});
export type ProgrammeNotice = z.infer<typeof ProgrammeNotice>;

/** One runbook in the drill programme. */
export const ProgrammeEntry = z
  .object({
    runbook: z.object({ id: z.string(), title: z.string(), version: z.int() }),
    owner: z.string().optional().describe("The runbook's owner, as written."),
    every: z.string().optional().describe("The runbook's drill.every."),
    schedules: z.array(z.object({ id: z.string(), paused: z.boolean(), nextAt: z.string().optional() })).describe('The schedules that drill this runbook.'),
    lastDrill: z
      .object({
        runId: z.string(),
        startedAt: z.string(),
        finishedAt: z.string().optional(),
        status: RecordStatus.describe('The result: completed, failed, aborted… (running while it goes on).'),
        recovery: z.object({ targetMs: z.number().optional(), achievedMs: z.number().optional(), breached: z.boolean().optional() }).describe('RTO achieved against target.'),
      })
      .optional()
      .describe('The newest drill of this runbook (any result), if any.'),
    nextDue: z
      .object({
        at: z.string(),
        by: z.enum(['cadence', 'schedule']).describe('cadence: drill.every after the last drill (or after the runbook was registered); schedule: the next scheduled drill.'),
        scheduleId: z.string().optional(),
      })
      .optional()
      .describe('Whichever is earlier: the cadence due date or the next scheduled drill. Absent with neither a cadence nor an active schedule.'),
    dueByCadence: z.string().optional().describe('The cadence due date: drill.every after the last drill started, or after the runbook was first registered.'),
    overdue: z.boolean().describe('The cadence due date has passed with no drill started since.'),
    overdueSince: z.string().optional().describe('The cadence due date, when overdue.'),
    openActions: z.object({ count: z.int(), items: z.array(ProgrammeAction) }).describe('Corrective actions still open on any run of this runbook, oldest first.'),
    notice: ProgrammeNotice.optional().describe('The notice to the owner about the current overdue period, once the check has recorded it.'),
  })
  .meta({ id: 'ProgrammeEntry' });
export type ProgrammeEntry = z.infer<typeof ProgrammeEntry>;

/** GET /programme. */
export const Programme = z.object({ generatedAt: z.string(), runbooks: z.array(ProgrammeEntry).describe('Every registered runbook, by id.') }).meta({ id: 'Programme' });
export type Programme = z.infer<typeof Programme>;

/** What one entry is computed from. */
export interface ProgrammeInput {
  runbook: { id: string; title: string; version: number; owner?: string; every?: string };
  /** When the runbook's first version was registered: a runbook never drilled is due `every` after it. */
  registeredAt?: string;
  /** The newest drill of the runbook. */
  lastDrill?: RunRecord;
  schedules: Array<{ id: string; paused: boolean; nextAt?: string }>;
  openActions: Finding[];
  notice?: ProgrammeNotice;
  now: string;
}

/** The cadence due date alone (what overdue is judged by), or undefined without a cadence. */
export function cadenceDue(input: Pick<ProgrammeInput, 'runbook' | 'registeredAt' | 'lastDrill'>): string | undefined {
  const from = input.lastDrill?.startedAt ?? input.registeredAt;
  return input.runbook.every && from ? drillDueAt(from, input.runbook.every) : undefined;
}

/** One runbook's place in the programme. */
export function programmeEntry(input: ProgrammeInput): ProgrammeEntry {
  const { runbook, lastDrill: d, now } = input;
  const byCadence = cadenceDue(input);
  const next = input.schedules.filter((s) => !s.paused && s.nextAt !== undefined).sort((a, b) => a.nextAt!.localeCompare(b.nextAt!))[0];
  const nextDue =
    byCadence !== undefined && (next?.nextAt === undefined || byCadence <= next.nextAt)
      ? { at: byCadence, by: 'cadence' as const }
      : next?.nextAt !== undefined
        ? { at: next.nextAt, by: 'schedule' as const, scheduleId: next.id }
        : undefined;
  const overdue = byCadence !== undefined && Date.parse(byCadence) <= Date.parse(now);
  const items = input.openActions.filter((f) => f.status === 'open').map((f) => ProgrammeAction.parse(f));
  return {
    runbook: { id: runbook.id, title: runbook.title, version: runbook.version },
    owner: runbook.owner,
    every: runbook.every,
    schedules: input.schedules,
    lastDrill: d && {
      runId: d.runId,
      startedAt: d.startedAt,
      finishedAt: d.finishedAt,
      status: d.status,
      recovery: { targetMs: d.recovery?.targetMs, achievedMs: d.recovery?.achievedMs, breached: d.recovery?.breached },
    },
    nextDue,
    dueByCadence: byCadence,
    overdue,
    overdueSince: overdue ? byCadence : undefined,
    openActions: { count: items.length, items },
    // Only the notice of the current period: one about an earlier due date was overtaken by a drill.
    notice: overdue && input.notice?.dueAt === byCadence ? input.notice : undefined,
  };
}
