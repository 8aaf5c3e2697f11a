import { isDuplicateKey, type Db } from './connection';

// `rate_counters`, _id = `<token hash>/<window number>`: one document per token per window, counted with a point
// upsert by _id (atomic on MongoDB and FerretDB v1), so every API process on the store shares the count. FerretDB v1
// has no TTL indexes: each document carries `expiresAt`, and sweepRateCounters deletes the expired ones.
//
// A burst from one token would write that one document once per request, each write queued behind the last. Instead
// a process counts the requests that arrive while its write for the document is in flight and adds them with the
// next write (`$inc: k`): the stored count still rises by one per request, before any of them is answered, so the
// limit holds across processes as before; each request gets its own number from the total the write answers.

type Doc = { _id: string; n: number; expiresAt: Date };

interface Waiter {
  resolve: (n: number) => void;
  reject: (err: unknown) => void;
}

interface Counter {
  busy: boolean;
  waiting: Waiter[];
  expiresAt: Date;
}

const counters = new WeakMap<Db, Map<string, Counter>>();

/** Counts one request of `key` in window `window`; answers the count so far, this one included. */
export function countRequest(db: Db, key: string, window: number, expiresAt: Date): Promise<number> {
  const id = `${key}/${window}`;
  let mine = counters.get(db);
  if (!mine) counters.set(db, (mine = new Map()));
  let counter = mine.get(id);
  if (!counter) mine.set(id, (counter = { busy: false, waiting: [], expiresAt }));
  const answer = new Promise<number>((resolve, reject) => counter.waiting.push({ resolve, reject }));
  if (!counter.busy) void flush(db, mine, id, counter);
  return answer;
}

// Adds every request waiting on the counter in one write, answers each its number, and goes on while more arrived.
async function flush(db: Db, all: Map<string, Counter>, id: string, counter: Counter): Promise<void> {
  counter.busy = true;
  while (counter.waiting.length > 0) {
    const batch = counter.waiting.splice(0);
    try {
      const total = await add(db, id, batch.length, counter.expiresAt);
      batch.forEach((w, i) => w.resolve(total - batch.length + 1 + i));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
  counter.busy = false;
  all.delete(id);
}

async function add(db: Db, id: string, k: number, expiresAt: Date): Promise<number> {
  const docs = db.collection<Doc>('rate_counters');
  const count = () => docs.findOneAndUpdate({ _id: id }, { $inc: { n: k }, $setOnInsert: { expiresAt } }, { upsert: true, returnDocument: 'after' });
  let doc: Doc | null;
  try {
    doc = await count();
  } catch (err) {
    // Two processes upserting the same new window at once: one insert loses, and its retry is a plain increment.
    if (!isDuplicateKey(err)) throw err;
    doc = await count();
  }
  return doc?.n ?? k;
}

/** Deletes the counters of windows that have ended (a scan, but of a collection of about one document per active token). */
export async function sweepRateCounters(db: Db, now: Date): Promise<void> {
  await db.collection<Doc>('rate_counters').deleteMany({ expiresAt: { $lt: now } });
}
