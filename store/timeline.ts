import { Binary, type Collection } from 'mongodb';
import { deflateSync, inflateSync } from 'node:zlib';
import type { KeyObject } from 'node:crypto';
import { chainEvents, GENESIS_HASH, verifyChain } from '../timeline/chain';
import type { ChainVerification, StoredTimelineEvent, TimelineEvent } from '../timeline/event';
import { verifyEvidence, type Anchors } from '../timeline/evidence';
import { isDuplicateKey, type Db } from './connection';
import { joinedJson, parseOld, parsePaged, sealedPage, type OldStoredEvent, type Parsed, type ParsedDoc } from './timeline-parse';

export { setTimelineCacheBytes } from './timeline-parse';

// Layout, chosen for FerretDB v1 (its SQLite backend pushes down only a filter that is exactly `{_id: <string>}`,
// and runs any update as a read, then a write: only an insert under a unique _id is a fence). Every document that
// holds events is inserted once and never changed:
//  - `timeline_pages`, _id = `<runId>/<page, 6 digits>`: events 1000·page+1 .. 1000·(page+1), written once full;
//  - `timeline_batches`, _id = `<runId>/<first seq, 8 digits>`: one per append. It holds the events of the open
//    page not yet in an earlier batch it lists, and lists (`tail`) the batches that together hold the open page. So
//    that the open page stays a few documents, an append merges the trailing batches of equal weight into itself
//    (a counter in base MERGE), and every event is copied a few times;
//  - `timeline_heads`, _id = runId: the last seq and hash, and the `tail` of the last batch. A lower bound: a head
//    update is not atomic on FerretDB, so readers also look for the batch after it, and a writer walks on when its
//    batch does not follow the head or its insert finds the batch already stored.
// A read of n events is the head, then in one round n/1000 pages, the open page's batches and the batch after the
// head, all point lookups by _id. Runs written before this layout (batches of events as documents, no `v`, heads
// without `tail`) are read by walking their batches from event 1, and move to this layout on their next append.
// Events are stored as deflated JSON text (one value per document): FerretDB v1 rejects dotted and `$` keys in documents.

/** Events per page. Pages are read whole; 1000 events are about 350 kB of text. */
export const PAGE_EVENTS = 1000;
// How many batches of equal weight merge into one: the open page is at most (MERGE - 1)·log_MERGE(appends) batches,
// and each event is copied about log_MERGE(appends in a page) times (4: at most about 15 batches, 5 copies).
const MERGE = 4;

interface Entry {
  id: string;
  start: number;
  last: number;
  /** How many appends this batch merged; batches of equal weight merge. */
  n: number;
}
interface OldBatchDoc {
  _id: string;
  runId: string;
  first: number;
  last: number;
  events: OldStoredEvent[];
  v?: undefined;
}
interface BatchDoc {
  _id: string;
  runId: string;
  first: number;
  last: number;
  v: 2;
  /** The first event in `events` (last + 1 when it holds none: the append ended a page). */
  start: number;
  events: Binary;
  hash: string;
  tail: Entry[];
}
interface PageDoc {
  _id: string;
  runId: string;
  page: number;
  first: number;
  last: number;
  events: Binary;
  hash: string;
}
interface HeadDoc {
  _id: string;
  seq: number;
  hash: string;
  tail?: Entry[];
}
/** Where a timeline ends; `tail` is unknown (undefined) at the end of an old-layout batch. */
interface State {
  seq: number;
  hash: string;
  tail?: Entry[];
}

const batchId = (runId: string, seq: number) => `${runId}/${String(seq).padStart(8, '0')}`;
const pageId = (runId: string, page: number) => `${runId}/${String(page).padStart(6, '0')}`;
// Deflated JSON text: a seventh of the bytes (the hashes repeat as the next event's prevHash), which is what FerretDB
// spends its time on when it reads a document; inflating 1000 events takes about a millisecond.
const pack = (text: string) => new Binary(deflateSync(text));
const unpack = (events: Binary) => inflateSync(events.buffer).toString('utf8');
const batches = (db: Db) => db.collection<OldBatchDoc | BatchDoc>('timeline_batches');
const pages = (db: Db) => db.collection<PageDoc>('timeline_pages');
const heads = (db: Db) => db.collection<HeadDoc>('timeline_heads');
const stateOf = (doc: OldBatchDoc | BatchDoc): State =>
  doc.v === 2 ? { seq: doc.last, hash: doc.hash, tail: doc.tail } : { seq: doc.last, hash: doc.events[doc.events.length - 1]?.hash ?? '' };

/**
 * Appends consecutive events to a run's timeline. Idempotent: a retry of a write that already happened changes
 * nothing (every document's _id and content follow from the events and the batches before). Fenced: the head only
 * moves forward, so an attempt that stalled and lands after its retry (and after later batches) changes nothing
 * either. Callers append one batch at a time per run (the workflow serialises its flushes); a batch that does not
 * follow the timeline's end is refused. `written` is true for the one call that stored the batch.
 * Three round trips: the head, the batch, the head again (and, once per 1000 events, the page); two when `after`, the
 * head the caller last heard of, is one this process moved the head to (its open page's list is then in memory).
 */
export async function appendTimelineEvents(
  db: Db,
  runId: string,
  batch: TimelineEvent[],
  after?: { seq: number; hash: string },
): Promise<{ seq: number; hash: string; written: boolean }> {
  if (batch.length === 0) throw new Error('appendTimelineEvents: no events given');
  const known = after && batch[0]!.seq === after.seq + 1 ? knownHead(runId, after) : undefined;
  if (known) {
    const appended = await appendAfterKnown(db, runId, batch, known);
    if (appended) return appended;
  }
  const last = batch[batch.length - 1]!.seq;
  const head = await heads(db).findOne({ _id: runId });
  let at: State = head ? { seq: head.seq, hash: head.hash, tail: head.tail } : { seq: 0, hash: GENESIS_HASH, tail: [] };
  // A head behind the stored batches (a writer that died before moving it, or two updates that crossed): walk on.
  if (at.seq < batch[0]!.seq - 1) at = await walkForward(db, runId, at, batch[0]!.seq - 1);
  if (at.seq >= last) {
    // This batch was written by an earlier attempt.
    if (at.seq > (head?.seq ?? 0)) await moveHead(heads(db), runId, head, at);
    return { seq: at.seq, hash: at.hash, written: false };
  }
  // A batch that overlaps the end: an earlier attempt wrote fewer of its events. The workflow flushes through a
  // local activity, whose input is fixed only once its answer is in history, so a replay may batch differently; the
  // events themselves are the workflow's, the same on replay, so the stored ones stand and the rest follow them.
  const events = batch.filter((e) => e.seq > at.seq);
  const first = events[0]!.seq;
  if (at.seq !== first - 1) throw new Error(`timeline of run ${runId} ends at event ${at.seq}, cannot append events ${first}..${last}`);
  const stored = chainEvents(runId, events, at.hash);
  const hash = stored[stored.length - 1]!.hash;
  const { full, doc, text } = await lay(db, runId, at, stored);
  // Pages before the batch listing what follows them, so that whoever finds the batch finds the pages too.
  for (const page of full) await insertOnce(pages(db), page, (existing) => existing.hash === page.hash, `a different page ${page.page}`);
  let written = false; // by this call: an earlier attempt's write is not this one's
  let next: State = { seq: last, hash, tail: doc.tail };
  try {
    // An absent optional field must stay absent (not null) or the event would no longer parse or hash the same.
    await batches(db).insertOne(doc, { ignoreUndefined: true });
    written = true;
    rememberWritten(doc._id, doc.start, text);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Written by an attempt that died or stalled before moving the head: same input, same hashes — unless the
    // caller broke the one-batch-at-a-time rule, which must not be papered over.
    const existing = await batches(db).findOne({ _id: doc._id });
    if (existing) {
      const shared = Math.min(existing.last, last);
      const agrees = (await hashAt(db, runId, existing, shared)) === stored[shared - first]?.hash;
      if (agrees && existing.last !== last) {
        // Batched differently (see above) by an attempt that died before moving the head: where the two overlap they
        // agree, so the stored batch stands; move the head over it and append what follows.
        await moveHead(heads(db), runId, head, stateOf(existing));
        return appendTimelineEvents(db, runId, batch);
      }
      if (!agrees) throw new Error(`timeline of run ${runId}: a different batch of events ${first}..${existing.last} is already stored`);
      next = stateOf(existing); // the same events; the stored batch's list of the open page is the one that holds
    }
  }
  if (await moveHead(heads(db), runId, head, next)) {
    rememberHead(runId, next);
    return { seq: last, hash, written };
  }
  // Another attempt moved the head first. It only ever moves forward, so it now covers this batch.
  const now = await heads(db).findOne({ _id: runId });
  if (!now || now.seq < last || (now.seq === last && now.hash !== hash)) {
    throw new Error(`timeline of run ${runId}: head moved to ${now ? `${now.seq} (${now.hash})` : 'nothing'} while appending events ${first}..${last}`);
  }
  return { seq: last, hash, written };
}

/**
 * The append after a head this process moved the head to, without reading it: insert the batch, move the head from
 * that state. Anything unexpected (the batch already stored, the head elsewhere) forgets the state and answers
 * undefined before the head moves, and the caller appends as without it: reading the head, walking past it, checking
 * what is stored. The fences are the same: the batch's insert under its _id and the head's update from the state.
 */
async function appendAfterKnown(
  db: Db,
  runId: string,
  batch: TimelineEvent[],
  at: State & { tail: Entry[] },
): Promise<{ seq: number; hash: string; written: boolean } | undefined> {
  forgetHead(runId); // until this append lands: a concurrent one must not use the same state
  const last = batch[batch.length - 1]!.seq;
  const stored = chainEvents(runId, batch, at.hash);
  const hash = stored[stored.length - 1]!.hash;
  const { full, doc, text } = await lay(db, runId, at, stored);
  for (const page of full) await insertOnce(pages(db), page, (existing) => existing.hash === page.hash, `a different page ${page.page}`);
  try {
    await batches(db).insertOne(doc, { ignoreUndefined: true });
  } catch (err) {
    if (isDuplicateKey(err)) return undefined;
    throw err;
  }
  rememberWritten(doc._id, doc.start, text);
  const next: State = { seq: last, hash, tail: doc.tail };
  if (await moveHead(heads(db), runId, { _id: runId, seq: at.seq, hash: at.hash }, next)) {
    rememberHead(runId, next);
    return { seq: last, hash, written: true };
  }
  // The head is not where this process left it (behind, after two updates crossed; or moved on): the reading path
  // moves it over the batch just stored.
  const moved = await appendTimelineEvents(db, runId, batch);
  return { ...moved, written: true };
}

// The state (seq, hash and open page's list) this process last moved each run's head to, most recent last: an append
// after it needs not read the head. A few thousand runs' lists of at most ~15 entries.
const KNOWN_HEADS = 4_000;
const movedHeads = new Map<string, State & { tail: Entry[] }>();

function knownHead(runId: string, after: { seq: number; hash: string }): (State & { tail: Entry[] }) | undefined {
  const at = movedHeads.get(runId);
  return at && at.seq === after.seq && at.hash === after.hash ? at : undefined;
}

function rememberHead(runId: string, at: State): void {
  movedHeads.delete(runId);
  if (!at.tail) return;
  movedHeads.set(runId, { seq: at.seq, hash: at.hash, tail: at.tail });
  if (movedHeads.size > KNOWN_HEADS) movedHeads.delete(movedHeads.keys().next().value!);
}

function forgetHead(runId: string): void {
  movedHeads.delete(runId);
}

/** The hash of event `seq` as a stored batch (or the page it filled) holds it; undefined if it holds no such event. */
async function hashAt(db: Db, runId: string, doc: OldBatchDoc | BatchDoc, seq: number): Promise<string | undefined> {
  if (doc.v !== 2) return doc.events[seq - doc.first]?.hash;
  if (seq === doc.last) return doc.hash;
  if (seq < doc.first || seq > doc.last) return undefined;
  const text =
    seq >= doc.start
      ? unpack(doc.events)
      : await pages(db)
          .findOne({ _id: pageId(runId, Math.floor((seq - 1) / PAGE_EVENTS)) })
          .then((p) => (p ? unpack(p.events) : '[]'));
  return (JSON.parse(text) as Array<{ seq: number; hash: string }>).find((e) => e.seq === seq)?.hash;
}

/** Follows stored batches from `from` (a head, possibly behind) while they end at or before `upTo`. */
async function walkForward(db: Db, runId: string, from: State, upTo: number): Promise<State> {
  let at = from;
  while (at.seq < upTo) {
    const next = await batches(db).findOne({ _id: batchId(runId, at.seq + 1) });
    if (!next || next.last <= at.seq) return at;
    at = stateOf(next);
  }
  return at;
}

/** The documents an append writes: the pages it fills and its batch, merged with the trailing batches of equal weight. */
async function lay(db: Db, runId: string, at: State, stored: StoredTimelineEvent[]): Promise<{ full: PageDoc[]; doc: BatchDoc; text: string }> {
  const first = stored[0]!.seq;
  const last = stored[stored.length - 1]!.seq;
  let tail = at.tail ?? [];
  let pending = stored.map((e) => JSON.stringify(e));
  if (!at.tail) {
    // The run was written in the old layout up to here: it moves over now, its full pages written and the rest of
    // its open page carried into this batch.
    const old = await walkOld(db, runId, at.seq);
    if (old.malformed || old.events.length !== at.seq)
      throw new Error(`timeline of run ${runId}: cannot move events 1..${at.seq} to pages: ${old.malformed?.message ?? 'a batch is missing'}`);
    pending = [...old.events.map((e) => JSON.stringify(e)), ...pending];
  }
  const full: PageDoc[] = [];
  let nextSeq = last - pending.length + 1; // the seq of pending[0]
  // Pages the append completes: what the open page's batches hold, then pending events up to the page's end.
  for (let end = (Math.floor((nextSeq - 1) / PAGE_EVENTS) + 1) * PAGE_EVENTS; end <= last; end += PAGE_EVENTS) {
    const page = end / PAGE_EVENTS - 1;
    const take = end - nextSeq + 1;
    const texts = [...(await eventTexts(db, tail)), ...pending.slice(0, take)];
    const lastHash = stored.find((e) => e.seq === end)?.hash ?? (JSON.parse(texts[texts.length - 1]!) as { hash: string }).hash;
    full.push({ _id: pageId(runId, page), runId, page, first: page * PAGE_EVENTS + 1, last: end, events: pack(`[${texts.join(',')}]`), hash: lastHash });
    pending = pending.slice(take);
    nextSeq = end + 1;
    tail = [];
  }
  const id = batchId(runId, first);
  const hash = stored[stored.length - 1]!.hash;
  if (pending.length === 0) return { full, doc: { _id: id, runId, first, last, v: 2, start: last + 1, events: pack('[]'), hash, tail: [] }, text: '[]' };
  // A counter in base MERGE: MERGE batches of equal weight become one of MERGE times that weight.
  let keep = tail.length;
  let n = 1;
  for (;;) {
    let equal = 0;
    while (equal < MERGE - 1 && keep - equal > 0 && tail[keep - 1 - equal]!.n === n) equal++;
    if (equal < MERGE - 1) break;
    keep -= equal;
    n *= MERGE;
  }
  const merged = tail.slice(keep);
  const texts = [...(await eventTexts(db, merged)), ...pending];
  const start = merged[0]?.start ?? nextSeq;
  const text = `[${texts.join(',')}]`;
  const doc: BatchDoc = { _id: id, runId, first, last, v: 2, start, events: pack(text), hash, tail: [...tail.slice(0, keep), { id, start, last, n }] };
  return { full, doc, text };
}

/**
 * The JSON text of each event the listed batches hold, in order. The batches this process wrote last are usually
 * the ones merged next, so their text is remembered (`written`) and most merges read nothing. Read one by one:
 * parallel reads are slower than sequential ones on FerretDB v1 here.
 */
async function eventTexts(db: Db, entries: Entry[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of entries) {
    const kept = written.get(e.id);
    let text = kept?.start === e.start ? kept.text : undefined;
    if (text === undefined) {
      const doc = await batches(db).findOne({ _id: e.id });
      if (doc?.v !== 2) throw new Error(`timeline batch ${e.id} is missing or not in the paged layout`);
      text = unpack(doc.events);
    }
    for (const event of JSON.parse(text) as unknown[]) out.push(JSON.stringify(event));
  }
  return out;
}

// The event text of batches this process stored, most recent last: about 4 MB, a few dozen runs' open pages. Kept
// with the first event it holds, which the list of the open page names too, so a text is used only for the batch
// it was stored as.
const WRITTEN_CHARS = 4_000_000;
const written = new Map<string, { start: number; text: string }>();
let writtenChars = 0;

function rememberWritten(id: string, start: number, text: string): void {
  if (written.has(id) || text.length > WRITTEN_CHARS / 8) return;
  written.set(id, { start, text });
  writtenChars += text.length;
  for (const [key, value] of written) {
    if (writtenChars <= WRITTEN_CHARS) break;
    written.delete(key);
    writtenChars -= value.text.length;
  }
}

/** Inserts an immutable document; one already there must be the same (`same`), or the caller broke the one-batch-at-a-time rule. */
async function insertOnce<T extends { _id: string; runId: string }>(into: Collection<T>, doc: T, same: (existing: T) => boolean, what: string): Promise<void> {
  try {
    // An absent optional field must stay absent (not null) or the event would no longer parse or hash the same.
    await into.insertOne(doc as Parameters<Collection<T>['insertOne']>[0], { ignoreUndefined: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Written by an attempt that died or stalled before moving the head: same input, same documents.
    const existing = (await into.findOne({ _id: doc._id } as Parameters<Collection<T>['findOne']>[0])) as T | null;
    if (existing && !same(existing)) {
      const last = (existing as { last?: number }).last;
      throw new Error(`timeline of run ${doc.runId}: ${what}${what.endsWith('..') ? last : ''} is already stored`);
    }
  }
}

/**
 * Moves the head from `expected` to `next`; false when it is no longer at `expected`. The filter on the expected
 * seq and hash keeps a late attempt from moving it back; FerretDB v1 evaluates it outside the write, so two landing
 * in the same instant could still cross, and the head is only a lower bound (readers and writers walk past it).
 * The first head is created by an insert, whose unique _id is the fence.
 */
async function moveHead(into: Collection<HeadDoc>, runId: string, expected: HeadDoc | null, to: State): Promise<boolean> {
  const next = { seq: to.seq, hash: to.hash, ...(to.tail ? { tail: to.tail } : {}) };
  if (!expected) {
    try {
      await into.insertOne({ _id: runId, ...next });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }
  const res = await into.updateOne({ _id: runId, seq: expected.seq, hash: expected.hash }, { $set: next });
  return res.matchedCount === 1;
}

/** A run's stored events after `afterSeq` in order, and the head recorded for it. A missing document ends the events. */
export async function readTimeline(db: Db, runId: string, afterSeq = 0): Promise<{ events: StoredTimelineEvent[]; head?: { seq: number; hash: string } }> {
  const { events, malformed, head } = await walkTimeline(db, runId, afterSeq);
  if (malformed) throw new Error(malformed.message);
  return { events: afterSeq > 0 ? events.filter((e) => e.seq > afterSeq) : events, head };
}

/**
 * A run's stored events as JSON text, what `JSON.stringify(readTimeline(db, runId).events)` gives, in parts to be
 * joined with ',' inside brackets (none empty), and the head recorded for it. A document read with the bytes it had
 * when it was last parsed answers the text made then: a long timeline is not serialised again on every read.
 */
export async function readTimelineJson(db: Db, runId: string): Promise<{ parts: Buffer[]; head?: { seq: number; hash: string } }> {
  const { malformed, head, json } = await walkTimeline(db, runId, 0, true);
  if (malformed) throw new Error(malformed.message);
  return { parts: json.map((part) => part()).filter((part) => part.length > 0), head };
}

/** The last seq stored for a run (0 for none): one point lookup, for pollers that only need to know whether it moved. */
export async function timelineHeadSeq(db: Db, runId: string): Promise<number> {
  return (await heads(db).findOne({ _id: runId }))?.seq ?? 0;
}

/**
 * Recomputes the run's hash chain and reports the first edited, deleted or reordered event, or the first event
 * that does not parse as its type (`malformed`) if the chain up to it holds.
 */
export async function verifyTimeline(db: Db, runId: string, anchors?: Anchors, publicKey?: KeyObject): Promise<ChainVerification> {
  const { events, malformed, head } = await walkTimeline(db, runId, 0);
  // With the heads kept outside the database, the chain must also pass through them (timeline/evidence.ts).
  if (!malformed) return anchors ? verifyEvidence(runId, events, head, anchors, publicKey) : verifyChain(runId, events, head);
  const before = verifyChain(runId, events);
  if (!before.ok) return before;
  return { ok: false, events: events.length, firstBad: { seq: malformed.seq, problem: 'malformed', message: malformed.message } };
}

/** What a walk read: the events, the head, and the events' JSON text per document read (`json`, see readTimelineJson). */
type Walked = Parsed & { head?: { seq: number; hash: string }; json: Array<() => Buffer> };

/**
 * The events (those after `afterSeq` at least) and the head; stops at the first event that does not parse. With
 * `sealed`, the full pages from page 0 this process sealed (read before, their events linked from event 1) are taken
 * from memory instead of the store, as long as what is read after them links to them; pages it reads that chain on
 * from them are sealed for the next such read. Only the timeline's read asks for that: verify and the report read
 * every document from the store.
 */
async function walkTimeline(db: Db, runId: string, afterSeq: number, sealed = false): Promise<Walked> {
  const head = await heads(db).findOne({ _id: runId });
  if (!head) return { events: [], json: [] };
  let at: State = { seq: head.seq, hash: head.hash, tail: head.tail };
  for (;;) {
    if (!at.tail) {
      // An old-layout head; its run may have moved over since (its batches say so).
      const old = await walkOld(db, runId, at.seq);
      if (!old.paged) return { ...old, head: { seq: at.seq, hash: at.hash }, json: [() => joinedJson(old.events)] };
      at = old.paged;
      continue;
    }
    const known = at;
    const fullPages = Math.floor(known.seq / PAGE_EVENTS);
    const held = sealed && afterSeq === 0 ? heldPages(runId, fullPages) : [];
    const firstPage = Math.max(Math.floor(afterSeq / PAGE_EVENTS), held.length);
    const [pageDocs, tailDocs, after] = await Promise.all([
      Promise.all(Array.from({ length: Math.max(0, fullPages - firstPage) }, (_, i) => pages(db).findOne({ _id: pageId(runId, firstPage + i) }))),
      Promise.all(known.tail!.filter((e) => e.last > afterSeq).map((e) => batches(db).findOne({ _id: e.id }))),
      batches(db).findOne({ _id: batchId(runId, known.seq + 1) }),
    ]);
    if (after && after.last > known.seq) {
      // The head is behind the batches (a crossed update, or a writer that died before moving it): go on from the last.
      at = await walkForward(db, runId, stateOf(after), Number.MAX_SAFE_INTEGER);
      continue;
    }
    const out: StoredTimelineEvent[] = held.flatMap((doc) => doc.events);
    const json: Array<() => Buffer> = held.map((doc) => doc.json);
    const read: ParsedDoc[] = [];
    let malformed: Parsed['malformed'];
    for (const doc of [...pageDocs, ...tailDocs]) {
      if (!doc || !(doc.events instanceof Binary)) break; // a missing document ends the events, as a missing batch always did
      const parsed = parsePaged(runId, doc._id, Buffer.from(doc.events.buffer), (raw) => inflateSync(raw).toString('utf8'));
      if (read.length === 0 && held.length > 0 && !linksOn(out, parsed.events[0], known)) return walkTimeline(db, runId, afterSeq, false);
      out.push(...parsed.events);
      json.push(parsed.json);
      read.push(parsed);
      malformed = parsed.malformed;
      if (malformed) break;
    }
    if (held.length > 0 && read.length === 0 && !linksOn(out, undefined, known)) return walkTimeline(db, runId, afterSeq, false);
    if (sealed && afterSeq === 0) sealPages(runId, out, [...held, ...read].slice(0, fullPages), held.length);
    return { events: out, head: { seq: known.seq, hash: known.hash }, json, ...(malformed ? { malformed } : {}) };
  }
}

/** The pages 0, 1, … of the run this process sealed, up to the first it did not (or `upTo`). */
function heldPages(runId: string, upTo: number): ParsedDoc[] {
  const held: ParsedDoc[] = [];
  for (let page = 0; page < upTo; page++) {
    const doc = sealedPage(pageId(runId, page));
    if (!doc) break;
    held.push(doc);
  }
  return held;
}

/**
 * Whether what the store holds after the held pages (`next`, their successor's first event; or, when nothing follows
 * them, the head) links to their last event. If not, the chain was changed in the store from there on, and the whole
 * timeline is read from the store instead.
 */
function linksOn(held: StoredTimelineEvent[], next: StoredTimelineEvent | undefined, head: { seq: number; hash: string }): boolean {
  const last = held[held.length - 1]!;
  if (next) return next.seq === last.seq + 1 && next.prevHash === last.hash;
  return head.seq !== last.seq || head.hash === last.hash;
}

/**
 * Seals the full pages read after the `heldCount` held ones that hold their page's 1000 events of this run, linked
 * from event 1 (each event's seq and prevHash follow the one before it); the first that does not, and those after it,
 * stay unsealed. The hashes themselves are not recomputed here (about 30 µs an event, 140–300 ms for 5,000 at load
 * 18, on the read's path): that is verify's, which reads the store every time.
 */
function sealPages(runId: string, events: StoredTimelineEvent[], docs: ParsedDoc[], heldCount: number): void {
  let prev = GENESIS_HASH;
  for (let page = 0; page < docs.length; page++) {
    const doc = docs[page]!;
    if (doc.malformed || doc.events.length !== PAGE_EVENTS) return;
    for (let i = 0; i < PAGE_EVENTS; i++) {
      const e = events[page * PAGE_EVENTS + i]!;
      if (e !== doc.events[i] || e.seq !== page * PAGE_EVENTS + i + 1 || e.prevHash !== prev || e.runId !== runId) return;
      prev = e.hash;
    }
    if (page >= heldCount) doc.seal();
  }
}

/**
 * Reads old-layout batches from event 1, one point lookup each, up to `upTo`; if it meets a batch of the paged
 * layout (the run moved over), answers where that one ends instead (`paged`), to be read as pages.
 */
async function walkOld(db: Db, runId: string, upTo: number): Promise<Parsed & { paged?: State }> {
  const events: StoredTimelineEvent[] = [];
  let seq = 1;
  while (seq <= upTo) {
    const batch = await batches(db).findOne({ _id: batchId(runId, seq) });
    if (!batch) break;
    if (batch.v === 2) return { events: [], paged: await walkForward(db, runId, stateOf(batch), Number.MAX_SAFE_INTEGER) };
    const parsed = parseOld(runId, batch.events);
    events.push(...parsed.events);
    if (parsed.malformed) return { events, malformed: parsed.malformed };
    if (batch.last < seq) break; // a tampered batch must not loop forever
    seq = batch.last + 1;
  }
  return { events };
}
