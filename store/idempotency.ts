import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isDuplicateKey, type Db } from './connection';

// `idempotency`, _id = sha256 of the caller's subject and key: a point lookup on FerretDB and MongoDB alike.
// The key itself is never stored, and nothing else is derived from it (run ids stay random).

/** What a key was first used for: the request's hash and the run it started. */
export const IdempotencyRecord = z.object({
  requestHash: z.string(),
  runId: z.string(),
  version: z.int(),
  createdAt: z.string(),
});
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>;

type Doc = IdempotencyRecord & { _id: string };

/** The stored id of a caller's key: keys are per principal, so two callers' equal keys never collide. */
export function idempotencyId(subject: string, key: string): string {
  return createHash('sha256')
    .update(JSON.stringify([subject, key]))
    .digest('hex');
}

/**
 * Records `record` under `id` unless a record is there already: answers the record that holds (ours when we
 * claimed the key, the earlier one when another request did).
 */
export async function claimIdempotencyKey(db: Db, id: string, record: IdempotencyRecord): Promise<{ claimed: boolean; record: IdempotencyRecord }> {
  const docs = db.collection<Doc>('idempotency');
  try {
    await docs.insertOne({ _id: id, ...record });
    return { claimed: true, record };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const existing = await docs.findOne({ _id: id });
  if (!existing) throw new Error(`idempotency record ${id} was reported as a duplicate but cannot be read`);
  const { _id, ...rest } = existing;
  return { claimed: false, record: IdempotencyRecord.parse(rest) };
}
