import { z } from 'zod';
import { isDuplicateKey, type Db } from './connection';

// `deliveries`, _id = the idempotency key (one event to one target): FerretDB v1 indexes only _id lookups, and the
// activity looks the key up before every send.

/** A notification that reached its SMTP server or webhook. Only the key and time are certain in every record. */
export const DeliveryRecord = z.object({
  _id: z.string(),
  channel: z.enum(['email', 'webhook']).optional(),
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
