import { isDuplicateKey, type Db } from './connection';

// `rate_counters`, _id = `<token hash>/<window number>`: one document per token per window, counted with a point
// upsert by _id (atomic on MongoDB and FerretDB v1), so every API process on the store shares the count. FerretDB v1
// has no TTL indexes: each document carries `expiresAt`, and sweepRateCounters deletes the expired ones.

type Doc = { _id: string; n: number; expiresAt: Date };

/** Counts one request of `key` in window `window`; answers the count so far, this one included. */
export async function countRequest(db: Db, key: string, window: number, expiresAt: Date): Promise<number> {
  const docs = db.collection<Doc>('rate_counters');
  const count = () => docs.findOneAndUpdate({ _id: `${key}/${window}` }, { $inc: { n: 1 }, $setOnInsert: { expiresAt } }, { upsert: true, returnDocument: 'after' });
  let doc: Doc | null;
  try {
    doc = await count();
  } catch (err) {
    // Two processes upserting the same new window at once: one insert loses, and its retry is a plain increment.
    if (!isDuplicateKey(err)) throw err;
    doc = await count();
  }
  return doc?.n ?? 1;
}

/** Deletes the counters of windows that have ended (a scan, but of a collection of about one document per active token). */
export async function sweepRateCounters(db: Db, now: Date): Promise<void> {
  await db.collection<Doc>('rate_counters').deleteMany({ expiresAt: { $lt: now } });
}
