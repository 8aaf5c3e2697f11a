import type { Collection } from 'mongodb';
import type { KeyObject } from 'node:crypto';
import { chainEvents, GENESIS_HASH, verifyChain } from '../timeline/chain';
import { StoredTimelineEvent, type ChainVerification, type TimelineEvent } from '../timeline/event';
import { verifyEvidence, type Anchors } from '../timeline/evidence';
import { isDuplicateKey, type Db } from './connection';

// Layout, chosen for FerretDB v1 (its SQLite backend pushes down only a filter that is exactly `{_id: <string>}`):
//  - `timeline_heads`, _id = runId: the last seq and hash written;
//  - `timeline_batches`, _id = `<runId>/<first seq, 8 digits>`: the events the workflow flushed together.
// Reading a run follows batch ids from seq 1 onwards, every read a point lookup: no other run's events are touched.
// Each event's `detail` is stored as a JSON string because FerretDB v1 rejects dotted and `$` keys in documents.

interface BatchDoc {
  _id: string;
  runId: string;
  first: number;
  last: number;
  events: Array<Omit<StoredTimelineEvent, 'detail'> & { detail?: string }>;
}
interface HeadDoc {
  _id: string;
  seq: number;
  hash: string;
}

const batchId = (runId: string, seq: number) => `${runId}/${String(seq).padStart(8, '0')}`;

/**
 * Appends consecutive events to a run's timeline. Idempotent: a retry of a write that already happened changes
 * nothing. Fenced: the head only moves forward, so an attempt that stalled and lands after its retry (and after
 * later batches) changes nothing either. Callers append one batch at a time per run (the workflow serialises its
 * flushes); a batch that does not follow the head is refused. `written` is true for the one call that stored the batch.
 */
export async function appendTimelineEvents(
  db: Db,
  runId: string,
  batch: TimelineEvent[],
  /** The head the caller last heard of: when the batch follows it, the append skips reading it (appendAfter). */
  known?: { seq: number; hash: string },
): Promise<{ seq: number; hash: string; written: boolean }> {
  if (batch.length === 0) throw new Error('appendTimelineEvents: no events given');
  const after = known && known.seq === batch[0]!.seq - 1 ? await appendAfter(db, runId, batch, known) : undefined;
  if (after?.moved) return { seq: after.moved.seq, hash: after.moved.hash, written: true };
  const last = batch[batch.length - 1]!.seq;
  const heads = db.collection<HeadDoc>('timeline_heads');
  let head = await heads.findOne({ _id: runId });
  if ((head?.seq ?? 0) < batch[0]!.seq - 1) head = await catchUp(db, runId, head);
  const headSeq = head?.seq ?? 0;
  if (headSeq >= last) return { seq: head!.seq, hash: head!.hash, written: false }; // this batch was written by an earlier attempt
  // A batch that overlaps the head: an earlier attempt wrote fewer of its events. The workflow flushes through a
  // local activity, whose input is fixed only once its answer is in history, so a replay may batch differently; the
  // events themselves are the workflow's, the same on replay, so the stored ones stand and the rest follow them.
  const events = batch.filter((e) => e.seq > headSeq);
  const first = events[0]!.seq;
  if (headSeq !== first - 1) {
    throw new Error(`timeline of run ${runId} ends at event ${headSeq}, cannot append events ${first}..${last}`);
  }
  const stored = chainEvents(runId, events, head?.hash ?? GENESIS_HASH);
  const doc: BatchDoc = {
    _id: batchId(runId, first),
    runId,
    first,
    last,
    events: stored.map((e) => ({ ...e, detail: e.detail === undefined ? undefined : JSON.stringify(e.detail) })),
  };
  const hash = stored[stored.length - 1]!.hash;
  let written = false; // by this call: an earlier attempt's write is not this one's
  try {
    // An absent optional field must stay absent (not null) or the event would no longer parse or hash the same.
    await db.collection<BatchDoc>('timeline_batches').insertOne(doc, { ignoreUndefined: true });
    written = true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Written by an attempt that died or stalled before moving the head: same input, same hashes — unless the
    // caller broke the one-batch-at-a-time rule, which must not be papered over.
    const existing = await db.collection<BatchDoc>('timeline_batches').findOne({ _id: doc._id });
    const shared = existing ? Math.min(existing.last, last) : 0;
    if (existing && existing.last !== last && existing.events[shared - first]?.hash === stored[shared - first]?.hash) {
      // Batched differently (see above) by an attempt that died before moving the head: where the two overlap they
      // agree, so the stored batch stands; move the head over it and append what follows.
      await moveHead(heads, runId, head, { seq: existing.last, hash: existing.events[existing.events.length - 1]!.hash });
      return appendTimelineEvents(db, runId, batch);
    }
    if (existing && (existing.last !== last || existing.events[existing.events.length - 1]?.hash !== hash)) {
      throw new Error(`timeline of run ${runId}: a different batch of events ${first}..${existing.last} is already stored`);
    }
  }
  if (await moveHead(heads, runId, head, { seq: last, hash })) return { seq: last, hash, written: written || after?.inserted === true };
  // Another attempt moved the head first. It only ever moves forward, so it now covers this batch.
  const now = await heads.findOne({ _id: runId });
  if (!now || now.seq < last || (now.seq === last && now.hash !== hash)) {
    throw new Error(`timeline of run ${runId}: head moved to ${now ? `${now.seq} (${now.hash})` : 'nothing'} while appending events ${first}..${last}`);
  }
  return { seq: last, hash, written: written || after?.inserted === true };
}

/**
 * The usual append, in two point writes: the batch chained onto the head the caller knows, then the head moved from
 * there. When the head is not there (another attempt, a stale caller) or the batch is already stored, it answers
 * what it did and appendTimelineEvents goes the long way, reading the head; a batch inserted here is the same
 * document that way would insert (same id, same chained events), so the long way finds it and goes on.
 */
async function appendAfter(
  db: Db,
  runId: string,
  batch: TimelineEvent[],
  known: { seq: number; hash: string },
): Promise<{ inserted: boolean; moved?: { seq: number; hash: string } }> {
  const first = batch[0]!.seq;
  const last = batch[batch.length - 1]!.seq;
  const stored = chainEvents(runId, batch, known.seq === 0 ? GENESIS_HASH : known.hash);
  const doc: BatchDoc = {
    _id: batchId(runId, first),
    runId,
    first,
    last,
    events: stored.map((e) => ({ ...e, detail: e.detail === undefined ? undefined : JSON.stringify(e.detail) })),
  };
  try {
    await db.collection<BatchDoc>('timeline_batches').insertOne(doc, { ignoreUndefined: true });
  } catch (err) {
    if (isDuplicateKey(err)) return { inserted: false };
    throw err;
  }
  const hash = stored[stored.length - 1]!.hash;
  const heads = db.collection<HeadDoc>('timeline_heads');
  const expected = known.seq === 0 ? null : { _id: runId, ...known };
  return { inserted: true, moved: (await moveHead(heads, runId, expected, { seq: last, hash })) ? { seq: last, hash } : undefined };
}

/**
 * Moves a head left behind stored batches up to them. The fence keeps a late write from moving the head back, but
 * FerretDB v1 runs an update as a read then a write, so two landing in the same instant could still cross; the
 * batches are immutable and chained, so the next append repairs the head instead of failing for ever.
 */
async function catchUp(db: Db, runId: string, head: HeadDoc | null): Promise<HeadDoc | null> {
  const heads = db.collection<HeadDoc>('timeline_heads');
  const batches = db.collection<BatchDoc>('timeline_batches');
  let at = head;
  for (;;) {
    const seq = at?.seq ?? 0;
    const batch = await batches.findOne({ _id: batchId(runId, seq + 1) });
    const hash = batch?.events[batch.events.length - 1]?.hash;
    if (!batch || batch.last <= seq || hash === undefined) return at;
    if (!(await moveHead(heads, runId, at, { seq: batch.last, hash }))) return heads.findOne({ _id: runId });
    at = { _id: runId, seq: batch.last, hash };
  }
}

/**
 * Moves the head from `expected` to `next`; false when it is no longer at `expected`. The filter on the expected
 * seq and hash is the fence (FerretDB v1 has no transactions): a late attempt finds the head moved on and writes
 * nothing. FerretDB v1 pushes down only `{_id}` filters, so this update scans the heads collection — one small
 * document per run, the price of the fence. The first head is created by an insert, whose unique _id is the fence.
 */
async function moveHead(heads: Collection<HeadDoc>, runId: string, expected: HeadDoc | null, next: { seq: number; hash: string }): Promise<boolean> {
  if (!expected) {
    try {
      await heads.insertOne({ _id: runId, ...next });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }
  const res = await heads.updateOne({ _id: runId, seq: expected.seq, hash: expected.hash }, { $set: next });
  return res.matchedCount === 1;
}

/** A run's stored events in order, and the head recorded for it. Missing batches end the walk. */
export async function readTimeline(db: Db, runId: string, afterSeq = 0): Promise<{ events: StoredTimelineEvent[]; head?: { seq: number; hash: string } }> {
  const { events, malformed, head } = await walkTimeline(db, runId);
  if (malformed) throw new Error(malformed.message);
  return { events: events.filter((e) => e.seq > afterSeq), head };
}

/**
 * Recomputes the run's hash chain and reports the first edited, deleted or reordered event, or the first event
 * that does not parse as its type (`malformed`) if the chain up to it holds.
 */
export async function verifyTimeline(db: Db, runId: string, anchors?: Anchors, publicKey?: KeyObject): Promise<ChainVerification> {
  const { events, malformed, head } = await walkTimeline(db, runId);
  // With the heads kept outside the database, the chain must also pass through them (timeline/evidence.ts).
  if (!malformed) return anchors ? verifyEvidence(runId, events, head, anchors, publicKey) : verifyChain(runId, events, head);
  const before = verifyChain(runId, events);
  if (!before.ok) return before;
  return { ok: false, events: events.length, firstBad: { seq: malformed.seq, problem: 'malformed', message: malformed.message } };
}

/** Reads batches from seq 1 on, parsing each event; stops at the first event that does not parse. */
async function walkTimeline(
  db: Db,
  runId: string,
): Promise<{
  events: StoredTimelineEvent[];
  malformed?: { seq: number; message: string };
  head?: { seq: number; hash: string };
}> {
  const head = await db.collection<HeadDoc>('timeline_heads').findOne({ _id: runId });
  if (!head) return { events: [] };
  const batches = db.collection<BatchDoc>('timeline_batches');
  const events: StoredTimelineEvent[] = [];
  let seq = 1;
  while (seq <= head.seq) {
    const batch = await batches.findOne({ _id: batchId(runId, seq) });
    if (!batch) break;
    for (const e of batch.events) {
      const parsed = parseStored(runId, e);
      if (!parsed.ok) return { events, malformed: parsed, head: { seq: head.seq, hash: head.hash } };
      events.push(parsed.event);
    }
    if (batch.last < seq) break; // a tampered batch must not loop forever
    seq = batch.last + 1;
  }
  return { events, head: { seq: head.seq, hash: head.hash } };
}

type Parsed = { ok: true; event: StoredTimelineEvent } | { ok: false; seq: number; message: string };

function parseStored(runId: string, e: BatchDoc['events'][number]): Parsed {
  const where = `timeline of run ${runId}: stored event ${e.seq}${typeof e.type === 'string' ? ` (${e.type})` : ''}`;
  let detail: unknown;
  try {
    detail = e.detail === undefined ? undefined : JSON.parse(e.detail);
  } catch (err) {
    return { ok: false, seq: e.seq, message: `${where} has a detail that is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const parsed = StoredTimelineEvent.safeParse({ ...e, detail });
  if (parsed.success) return { ok: true, event: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'event'}: ${i.message}`).join('; ');
  return { ok: false, seq: e.seq, message: `${where} does not match its type: ${problems}` };
}
