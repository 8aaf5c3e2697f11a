// The drill programme's two collections: the overdue notices and what the last check found per runbook.
//
// `drill_notices`, _id = `<runbookId>@<dueAt>`: the notice that a runbook's drill is overdue, one per runbook and due
// date, so one per overdue period (a drill moves the due date and opens a new period). The check inserts it before
// anything is sent (the insert under a unique _id is the one atomic step FerretDB v1 offers); the deliveries it plans
// are fixed then, so every later check retries the same deliveries under the same idempotency keys. Updated by _id only.
import { z } from 'zod';
import { isDuplicateKey, type Db } from './connection';

/** One delivery's outcome, as the check that tried it last recorded it. */
export const NoticeOutcome = z.object({
  at: z.string(),
  channel: z.string(),
  target: z.string(),
  sent: z.boolean(),
  duplicate: z.boolean().optional(),
  tries: z.int().optional(),
  error: z.string().optional(),
});
export type NoticeOutcome = z.infer<typeof NoticeOutcome>;

export const DrillNoticeDoc = z.object({
  _id: z.string(),
  runbookId: z.string(),
  dueAt: z.string(),
  createdAt: z.string(),
  /** The planned deliveries (notify/types.ts NotificationDelivery[]) as JSON text: messages carry keys FerretDB v1 rejects. */
  deliveriesJson: z.string(),
  recipients: z.array(z.string()),
  outcomes: z.array(NoticeOutcome).default([]),
  /** Set once every planned delivery went out: later checks leave the notice alone. */
  sentAt: z.string().optional(),
});
export type DrillNoticeDoc = z.infer<typeof DrillNoticeDoc>;

const collection = (db: Db) => db.collection<DrillNoticeDoc>('drill_notices');
// An unset optional field is left out, not stored as null (which its schema would refuse on the way back).
const KEEP_UNSET = { ignoreUndefined: true } as const;

/** The notice's _id. */
export function drillNoticeId(runbookId: string, dueAt: string): string {
  return `${runbookId}@${dueAt}`;
}

/** Inserts a notice; false when the notice of that runbook and due date exists already (it stands as it is). */
export async function insertDrillNotice(db: Db, doc: DrillNoticeDoc): Promise<boolean> {
  try {
    await collection(db).insertOne(doc, KEEP_UNSET);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** The notice of a runbook and due date, if recorded. */
export async function getDrillNotice(db: Db, id: string): Promise<DrillNoticeDoc | undefined> {
  const doc = await collection(db).findOne({ _id: id });
  return doc ? DrillNoticeDoc.parse(doc) : undefined;
}

/** Records what the last try of each delivery did, and when every delivery had gone out. */
export async function recordDrillNoticeOutcomes(db: Db, id: string, outcomes: NoticeOutcome[], sentAt?: string): Promise<void> {
  await collection(db).updateOne({ _id: id }, { $set: { outcomes, ...(sentAt ? { sentAt } : {}) } }, KEEP_UNSET);
}

// `programme_status`, _id = runbook id: what the overdue check last found for each runbook (its newest drill's start
// and its cadence due date), which the API's gauges read in one find whatever the number of runbooks and runs
// (metrics/programme.ts). Each write sets an absolute state, so a retried check writes the same thing again.
export const ProgrammeStatusDoc = z.object({
  _id: z.string(),
  lastDrillAt: z.string().optional(),
  dueAt: z.string().optional(),
  checkedAt: z.string(),
});
export type ProgrammeStatusDoc = z.infer<typeof ProgrammeStatusDoc>;

const status = (db: Db) => db.collection<ProgrammeStatusDoc>('programme_status');

/** Records what the check found for one runbook. */
export async function saveProgrammeStatus(db: Db, doc: ProgrammeStatusDoc): Promise<void> {
  const { _id, ...rest } = doc;
  await status(db).replaceOne({ _id }, rest, { upsert: true, ...KEEP_UNSET });
}

/** What the last check found for every runbook. */
export async function programmeStatuses(db: Db): Promise<ProgrammeStatusDoc[]> {
  const docs = await status(db).find({}).toArray();
  return docs.flatMap((d) => {
    const parsed = ProgrammeStatusDoc.safeParse(d);
    return parsed.success ? [parsed.data] : [];
  });
}
