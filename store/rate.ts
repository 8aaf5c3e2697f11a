import { MongoBulkWriteError } from 'mongodb';
import type { Db } from './connection';

// A token's requests in one window are numbered slots, shared by every API process on the store: a request is let
// through when it holds slot 1..limit, a document `rate_counters` `<token hash>/<window>/<slot>` it inserted. Only an
// insert is a fence on FerretDB v1 (an update, `$inc` included, is a read then a write there, and two processes can
// both count 5 → 6), so no two requests ever hold one slot and no more than `limit` pass in a window, however many
// processes count. `<token hash>/<window>` holds a hint, the highest slot a process has tried to take (`$max`), so a
// process new to the window, or one that lost slots to another, starts near the end rather than at 1.
// FerretDB v1 has no TTL indexes: each document carries `expiresAt`, and sweepRateCounters deletes the expired ones.
//
// A burst from one token would insert one slot per request, each write queued behind the last. Instead a process
// takes the slots for every request that arrived while its write was in flight with the next write (one insertMany),
// and answers each request with its own.

type SlotDoc = { _id: string; expiresAt: Date };
type HintDoc = { _id: string; n: number; expiresAt: Date };

interface Waiter {
  resolve: (slot: number | undefined) => void;
  reject: (err: unknown) => void;
}

interface Window {
  busy: boolean;
  waiting: Waiter[];
  /** Slots up to this one are known taken (by this process or another). */
  taken: number;
  hinted: boolean;
}

const windows = new WeakMap<Db, Map<string, Window>>();

/**
 * Takes a slot for one request of `key` in window `window`: its number (1..limit), or undefined when the window's
 * `limit` slots are all taken (then nothing is written).
 */
export function takeRateSlot(db: Db, key: string, window: number, expiresAt: Date, limit: number): Promise<number | undefined> {
  const id = `${key}/${window}`;
  let mine = windows.get(db);
  if (!mine) windows.set(db, (mine = new Map()));
  let w = mine.get(id);
  if (!w) mine.set(id, (w = { busy: false, waiting: [], taken: 0, hinted: false }));
  const state = w;
  const answer = new Promise<number | undefined>((resolve, reject) => state.waiting.push({ resolve, reject }));
  if (!state.busy) void flush(db, id, state, expiresAt, limit);
  return answer;
}

// Takes slots for every waiting request in one insert, answers each, and goes on while more arrived. The window's
// state is kept until it ends (a few numbers per token), so a full window refuses without a round trip.
async function flush(db: Db, id: string, w: Window, expiresAt: Date, limit: number): Promise<void> {
  w.busy = true;
  while (w.waiting.length > 0) {
    const batch = w.waiting.splice(0);
    try {
      const slots = await takeSlots(db, id, w, batch.length, expiresAt, limit);
      batch.forEach((waiter, i) => waiter.resolve(slots[i]));
    } catch (err) {
      for (const waiter of batch) waiter.reject(err);
    }
  }
  w.busy = false;
  // Windows before this one have ended: their states go (an API's windows all have one length).
  const all = windows.get(db);
  const current = windowOf(id);
  if (all) for (const [other, state] of all) if (windowOf(other) < current && !state.busy) all.delete(other);
}

const windowOf = (id: string) => Number(id.slice(id.lastIndexOf('/') + 1));

async function takeSlots(db: Db, id: string, w: Window, k: number, expiresAt: Date, limit: number): Promise<number[]> {
  const hints = db.collection<HintDoc>('rate_counters');
  const readHint = async () => (await hints.findOne({ _id: id }))?.n ?? 0;
  if (!w.hinted) {
    w.taken = Math.max(w.taken, await readHint());
    w.hinted = true;
  }
  const mine: number[] = [];
  while (mine.length < k && w.taken < limit) {
    const first = w.taken + 1;
    const count = Math.min(k - mine.length, limit - w.taken);
    // The hint moves with the insert, not after it, so another process new to the window skips these slots. A hint
    // ahead of the slots (this insert failed) only leaves slots unused: fewer requests pass, never more.
    const [lost] = await Promise.all([
      insertSlots(db, id, first, count, expiresAt),
      hints.updateOne({ _id: id }, { $max: { n: first + count - 1 }, $setOnInsert: { expiresAt } }, { upsert: true }).catch(() => undefined),
    ]);
    for (let i = 0; i < count; i++) if (!lost.has(i)) mine.push(first + i);
    w.taken = first + count - 1;
    // Another process is taking slots of this window too: skip what it has claimed since.
    if (lost.size > 0) w.taken = Math.max(w.taken, await readHint());
  }
  return mine;
}

/** Inserts slots first..first+count-1; answers the indexes of those another process holds already. */
async function insertSlots(db: Db, id: string, first: number, count: number, expiresAt: Date): Promise<Set<number>> {
  try {
    await db.collection<SlotDoc>('rate_counters').insertMany(
      Array.from({ length: count }, (_, i) => ({ _id: `${id}/${first + i}`, expiresAt })),
      { ordered: false },
    );
    return new Set();
  } catch (err) {
    // Anything but duplicates is the store failing, and the requests fail closed.
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    if (errors.length === 0 || errors.some((e) => e.code !== 11000)) throw err;
    return new Set(errors.map((e) => e.index));
  }
}

/** Deletes the slots and hints of windows that have ended (a scan, of a collection of at most a window's slots per active token). */
export async function sweepRateCounters(db: Db, now: Date): Promise<void> {
  await db.collection<SlotDoc>('rate_counters').deleteMany({ expiresAt: { $lt: now } });
}
