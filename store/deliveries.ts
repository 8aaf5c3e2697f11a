import { z } from 'zod';
import { isDuplicateKey, type Db } from './connection';

// `deliveries`, _id = the idempotency key (one event to one target): FerretDB v1 indexes only _id lookups, and the
// activity looks the key up before every send.

/** A notification that reached its SMTP server, webhook or other channel. Only the key and time are certain in every record. */
export const DeliveryRecord = z.object({
  _id: z.string(),
  /** The channel's name (channels/index.ts). */
  channel: z.string().optional(),
  target: z.string().optional(),
  event: z.string().optional(),
  runId: z.string().optional(),
  messageId: z.string().optional(),
  status: z.number().int().optional(),
  sentAt: z.string(),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecord>;

const collection = (db: Db) => db.collection<DeliveryRecord>('deliveries');

/** The delivery recorded under `key`, if any. */
export async function findDelivery(db: Db, key: string): Promise<DeliveryRecord | undefined> {
  const doc = await collection(db).findOne({ _id: key });
  if (!doc) return undefined;
  const parsed = DeliveryRecord.safeParse(doc);
  // Whatever its shape, a record under this key proves the message went out: never send it again.
  return parsed.success ? parsed.data : { _id: key, sentAt: '' };
}

/** Records a delivery; recording the same key twice keeps the first record. */
export async function recordDelivery(db: Db, record: DeliveryRecord): Promise<void> {
  try {
    await collection(db).insertOne(record);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

// `delivery_notes`, _id = the delivery's key and the note: what one delivery leaves for the run's other deliveries
// to the same target (PagerDuty: each dedup key it triggered, so that the run's completion can resolve them).

/** One note, found by run and target (a filter FerretDB v1 evaluates without an index: a run has few notes). */
export const DeliveryNote = z.object({
  _id: z.string(),
  runId: z.string(),
  target: z.string(),
  event: z.string(),
  value: z.string(),
  at: z.string(),
});
export type DeliveryNote = z.infer<typeof DeliveryNote>;

const notes = (db: Db) => db.collection<DeliveryNote>('delivery_notes');

/** Leaves a note; the same note under the same key (a retried attempt) is kept once. */
export async function addDeliveryNote(db: Db, note: Omit<DeliveryNote, '_id'> & { key: string }): Promise<void> {
  const { key, ...rest } = note;
  try {
    await notes(db).insertOne({ _id: `${key}#${note.value}`, ...rest });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** Every note left for `target` in run `runId`, oldest first. */
export async function deliveryNotes(db: Db, runId: string, target: string): Promise<DeliveryNote[]> {
  const docs = await notes(db).find({ runId, target }).toArray();
  return docs
    .flatMap((doc) => {
      const parsed = DeliveryNote.safeParse(doc);
      return parsed.success ? [parsed.data] : [];
    })
    .sort((a, b) => a.at.localeCompare(b.at));
}
