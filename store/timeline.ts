import { chainEvents, GENESIS_HASH, verifyChain } from '../timeline/chain';
import { StoredTimelineEvent, type ChainVerification, type TimelineEvent } from '../timeline/event';
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
 * nothing. Callers must append one batch at a time per run (the workflow serialises its flushes).
 */
export async function appendTimelineEvents(db: Db, runId: string, events: TimelineEvent[]): Promise<{ seq: number; hash: string }> {
  if (events.length === 0) throw new Error('appendTimelineEvents: no events given');
  const first = events[0]!.seq;
  const last = events[events.length - 1]!.seq;
  const heads = db.collection<HeadDoc>('timeline_heads');
  const head = await heads.findOne({ _id: runId });
  const headSeq = head?.seq ?? 0;
  if (headSeq >= last) return { seq: head!.seq, hash: head!.hash }; // this batch was written by an earlier attempt
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
  try {
    // An absent optional field must stay absent (not null) or the event would no longer parse or hash the same.
    await db.collection<BatchDoc>('timeline_batches').insertOne(doc, { ignoreUndefined: true });
  } catch (err) {
    // The batch was inserted by an attempt that died before moving the head: same input, same hashes.
    if (!isDuplicateKey(err)) throw err;
  }
  const hash = stored[stored.length - 1]!.hash;
  await heads.replaceOne({ _id: runId }, { seq: last, hash }, { upsert: true });
  return { seq: last, hash };
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
export async function verifyTimeline(db: Db, runId: string): Promise<ChainVerification> {
  const { events, malformed, head } = await walkTimeline(db, runId);
  if (!malformed) return verifyChain(runId, events, head);
  const before = verifyChain(runId, events);
  if (!before.ok) return before;
  return { ok: false, events: events.length, firstBad: { seq: malformed.seq, problem: 'malformed', message: malformed.message } };
}

/** Reads batches from seq 1 on, parsing each event; stops at the first event that does not parse. */
async function walkTimeline(db: Db, runId: string): Promise<{
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
