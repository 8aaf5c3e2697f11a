import { MongoBulkWriteError } from 'mongodb';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Db } from './connection';

// `idempotency`, _id = sha256 of the caller's subject and key: a point lookup on FerretDB and MongoDB alike.
// The key itself is never stored, and nothing else is derived from it (run ids stay random).
//
// A key is claimed by inserting its record: the insert is the fence (on FerretDB v1 as on MongoDB, a second insert
// of an _id fails), so of any number of requests with one key, in any number of API processes, exactly one claims
// it. A burst of keyed triggers would queue one insert per request; instead a process inserts the claims of every
// request that arrived while its insert was in flight with the next insert (one insertMany, unordered), and answers
// each request by its own document's outcome. The same key twice in one batch goes to the store once: the later
// request gets the earlier one's outcome, as it would from the store.

/** What a key was first used for: the request's hash and the run it started. */
export const IdempotencyRecord = z.object({
  requestHash: z.string(),
  runId: z.string(),
  version: z.int(),
  createdAt: z.string(),
});
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>;

/** Whether this request claimed its key, and the record that holds (ours when we did, the earlier one when not). */
export type Claim = { claimed: boolean; record: IdempotencyRecord };

type Doc = IdempotencyRecord & { _id: string };

interface Waiter {
  id: string;
  record: IdempotencyRecord;
  resolve: (claim: Claim) => void;
  reject: (err: unknown) => void;
}

interface Queue {
  busy: boolean;
  waiting: Waiter[];
}

const queues = new WeakMap<Db, Queue>();

/** The stored id of a caller's key: keys are per principal, so two callers' equal keys never collide. */
export function idempotencyId(subject: string, key: string): string {
  return createHash('sha256')
    .update(JSON.stringify([subject, key]))
    .digest('hex');
}

/**
 * Records `record` under `id` unless a record is there already: answers the record that holds (ours when we
 * claimed the key, the earlier one when another request did). Answers once the store has the claim; rejects when
 * the store failed or refused it (then the key may or may not be claimed: a retry finds out).
 */
export function claimIdempotencyKey(db: Db, id: string, record: IdempotencyRecord): Promise<Claim> {
  let q = queues.get(db);
  if (!q) queues.set(db, (q = { busy: false, waiting: [] }));
  const queue = q;
  const answer = new Promise<Claim>((resolve, reject) => queue.waiting.push({ id, record, resolve, reject }));
  if (!queue.busy) void flush(db, queue);
  return answer;
}

// One insert for every waiting claim, each answered; again while more arrived meanwhile.
async function flush(db: Db, q: Queue): Promise<void> {
  q.busy = true;
  while (q.waiting.length > 0) {
    const batch = q.waiting.splice(0);
    // claimAll settles each waiter; should it throw, the ones it had not settled fail (settling twice is a no-op).
    await claimAll(db, batch).catch((err: unknown) => batch.forEach((w) => w.reject(err)));
  }
  q.busy = false;
}

/** Claims each waiter's key (the first waiter of each id inserts it) and settles every waiter. */
async function claimAll(db: Db, batch: Waiter[]): Promise<void> {
  const first = new Map<string, Waiter>();
  for (const w of batch) if (!first.has(w.id)) first.set(w.id, w);
  const inserting = [...first.values()];
  const outcomes = await insertClaims(db, inserting);
  const byId = new Map(inserting.map((w, i) => [w.id, outcomes[i]!] as const));
  for (const w of batch) {
    const outcome = byId.get(w.id)!;
    if ('error' in outcome) w.reject(outcome.error);
    // Only the waiter whose document was inserted claimed the key; a later one with the same id sees that record.
    else w.resolve(w === first.get(w.id) ? outcome.claim : { claimed: false, record: outcome.claim.record });
  }
}

type Outcome = { claim: Claim } | { error: unknown };

/** Inserts the waiters' records in one unordered insert: each one's claim, or why the store did not take it. */
async function insertClaims(db: Db, waiters: Waiter[]): Promise<Outcome[]> {
  const failed = new Map<number, { code?: unknown; errmsg?: string }>();
  try {
    await db.collection<Doc>('idempotency').insertMany(
      waiters.map((w) => ({ _id: w.id, ...w.record })),
      { ordered: false },
    );
  } catch (err) {
    // Not a per-document answer (the store unreachable, a write concern not met): none of them is known to hold.
    if (!(err instanceof MongoBulkWriteError) || err.result.getWriteConcernError()) return waiters.map(() => ({ error: err }));
    for (const e of err.result.getWriteErrors()) failed.set(e.index, { code: e.code, errmsg: e.errmsg });
    if (failed.size === 0) return waiters.map(() => ({ error: err }));
  }
  return Promise.all(
    waiters.map(async (w, i): Promise<Outcome> => {
      const error = failed.get(i);
      if (!error) return { claim: { claimed: true, record: w.record } };
      if (error.code !== 11000) return { error: new Error(`the store refused idempotency record ${w.id}: ${error.errmsg ?? 'no reason given'} (code ${String(error.code)})`) };
      try {
        return { claim: { claimed: false, record: await existing(db, w.id) } };
      } catch (err) {
        return { error: err };
      }
    }),
  );
}

/** The record another request stored under `id`. */
async function existing(db: Db, id: string): Promise<IdempotencyRecord> {
  const doc = await db.collection<Doc>('idempotency').findOne({ _id: id });
  if (!doc) throw new Error(`idempotency record ${id} was reported as a duplicate but cannot be read`);
  const { _id, ...rest } = doc;
  return IdempotencyRecord.parse(rest);
}
