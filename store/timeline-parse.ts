import { StoredTimelineEvent } from '../timeline/event';

// Parsing stored events, and remembering what was parsed. Documents of the paged layout (store/timeline.ts) are
// immutable and hold their events as one value (deflated JSON), so a document read again with the very same bytes
// parses to the very same events: those are kept (frozen, so no caller can change them under another) and handed out
// again without inflating, JSON.parse or the schema. The bytes are compared whole, so an edited document is parsed
// afresh and a tampered event still fails its read or its verification. Frozen events also let timeline/chain.ts skip hashing
// an event it already checked. A full page whose events link from event 1 can be sealed: the timeline read
// (readTimelineJson) then takes it from here without reading the store, until a read that does read the store
// (verify, the report) finds other bytes there.

/** An event as the old layout stored it: `detail` as JSON text (FerretDB v1 rejects dotted and `$` keys). */
export type OldStoredEvent = Omit<StoredTimelineEvent, 'detail'> & { detail?: string };

export type Parsed = { events: StoredTimelineEvent[]; malformed?: { seq: number; message: string } };

// The documents parsed last, most recently used last, with (once a timeline read asked for it) their events' JSON
// text. Bounded by what each holds: its stored bytes, and three times its JSON text (the text itself, and about twice
// that for the parsed events): a full page is about 1.1 MB. LIFEBOAT_TIMELINE_CACHE_MB (16) is some 14,000 events,
// the hot timelines of a busy API.
let cacheBytes = 16_000_000;
interface Entry {
  raw: Buffer;
  events: StoredTimelineEvent[];
  /** The events' JSON texts joined with ',' (no brackets); made on the first timeline read that needs it. */
  json?: Buffer;
  weight: number;
  /** A full page whose events were found linked from event 1 when read (store/timeline.ts, readTimelineJson). */
  sealed?: boolean;
}
const cache = new Map<string, Entry>();
let cachedBytes = 0;

/** Sets the bound of the parsed-document cache (bytes; 0 keeps nothing) and drops what is beyond it. */
export function setTimelineCacheBytes(bytes: number): void {
  cacheBytes = bytes;
  trim();
}

/**
 * Parsed events of one stored document, and their JSON text (`JSON.stringify` of each, joined with ','). `seal` marks
 * the cached document as a full page whose events were found linked from event 1, to be handed out by `sealedPage` without a read.
 */
export type ParsedDoc = Parsed & { json: () => Buffer; seal: () => void };

/**
 * A sealed page (see `seal`) as it was when read and checked, or undefined. It stays sealed until evicted or until a
 * read of the same document finds other bytes stored (parsePaged): only timeline reads that may skip the store ask.
 */
export function sealedPage(id: string): ParsedDoc | undefined {
  const hit = cache.get(id);
  if (!hit?.sealed) return undefined;
  cache.delete(id); // most recently used last
  cache.set(id, hit);
  return { events: hit.events, json: () => jsonOf(hit), seal: () => undefined };
}

/**
 * The events of a document of the paged layout, `raw` being its stored bytes (`text` their JSON); cached by document
 * id and bytes. `json` answers the text of the events parsed, made once per cached document.
 */
export function parsePaged(runId: string, id: string, raw: Buffer, text: (raw: Buffer) => string): ParsedDoc {
  const hit = cache.get(id);
  if (hit && hit.raw.equals(raw)) {
    cache.delete(id); // most recently used last
    cache.set(id, hit);
    return {
      events: hit.events,
      json: () => jsonOf(hit),
      seal: () => {
        hit.sealed = true;
      },
    };
  }
  // Other bytes than those cached (an edit in the store): the cached events, sealed or not, are dropped first.
  forget(id);
  const { parsed, chars } = parseList(runId, id, raw, text);
  const entry = parsed.malformed ? undefined : remember(id, raw, parsed.events, raw.length + 3 * chars);
  return {
    ...parsed,
    json: () => (entry ? jsonOf(entry) : joinedJson(parsed.events)),
    seal: () => {
      if (entry) entry.sealed = true;
    },
  };
}

function parseList(runId: string, id: string, raw: Buffer, text: (raw: Buffer) => string): { parsed: Parsed; chars: number } {
  let list: unknown;
  let chars = 0;
  try {
    const json = text(raw);
    chars = json.length;
    list = JSON.parse(json);
  } catch (err) {
    return { parsed: { events: [], malformed: { seq: 0, message: `timeline of run ${runId}: stored document ${id} is not JSON: ${message(err)}` } }, chars };
  }
  if (!Array.isArray(list))
    return { parsed: { events: [], malformed: { seq: 0, message: `timeline of run ${runId}: stored document ${id} does not hold a list of events` } }, chars };
  const events: StoredTimelineEvent[] = [];
  for (const e of list as unknown[]) {
    const parsed = parseEvent(runId, e, e);
    if (!parsed.ok) return { parsed: { events, malformed: parsed }, chars };
    events.push(deepFreeze(parsed.event));
  }
  return { parsed: { events }, chars };
}

/** The JSON text of events (each as JSON.stringify gives it), joined with ','. */
export function joinedJson(events: readonly StoredTimelineEvent[]): Buffer {
  return Buffer.from(events.map((e) => JSON.stringify(e)).join(','));
}

// The text is made from the parsed events, not taken from the stored text: an answer holds exactly what a parse of
// the stored bytes gives (and what verification checks), in the schema's shape. Counted in the entry's weight already.
function jsonOf(entry: Entry): Buffer {
  entry.json ??= joinedJson(entry.events);
  return entry.json;
}

/** The events of an old-layout batch (parsed on every read: old runs are not rewritten). */
export function parseOld(runId: string, stored: OldStoredEvent[]): Parsed {
  const events: StoredTimelineEvent[] = [];
  for (const e of stored) {
    let detail: unknown;
    try {
      detail = e.detail === undefined ? undefined : JSON.parse(e.detail);
    } catch (err) {
      return { events, malformed: { seq: e.seq, message: `${where(runId, e)} has a detail that is not JSON: ${message(err)}` } };
    }
    const parsed = parseEvent(runId, { ...e, detail }, e);
    if (!parsed.ok) return { events, malformed: parsed };
    events.push(parsed.event);
  }
  return { events };
}

function parseEvent(runId: string, e: unknown, shown: unknown): { ok: true; event: StoredTimelineEvent } | { ok: false; seq: number; message: string } {
  const parsed = StoredTimelineEvent.safeParse(e);
  if (parsed.success) return { ok: true, event: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'event'}: ${i.message}`).join('; ');
  const seq = typeof shown === 'object' && shown !== null && typeof Reflect.get(shown, 'seq') === 'number' ? (Reflect.get(shown, 'seq') as number) : 0;
  return { ok: false, seq, message: `${where(runId, shown)} does not match its type: ${problems}` };
}

function where(runId: string, e: unknown): string {
  const get = (k: string): unknown => (typeof e === 'object' && e !== null ? Reflect.get(e, k) : undefined);
  const type = get('type');
  return `timeline of run ${runId}: stored event ${String(get('seq'))}${typeof type === 'string' ? ` (${type})` : ''}`;
}

function forget(id: string): void {
  const old = cache.get(id);
  if (!old) return;
  cache.delete(id);
  cachedBytes -= old.weight;
}

function remember(id: string, raw: Buffer, events: StoredTimelineEvent[], weight: number): Entry | undefined {
  forget(id);
  if (weight > cacheBytes / 4) return undefined;
  const entry: Entry = { raw, events, weight };
  cache.set(id, entry);
  cachedBytes += weight;
  trim();
  return entry;
}

function trim(): void {
  for (const [key, value] of cache) {
    if (cachedBytes <= cacheBytes) break;
    cache.delete(key);
    cachedBytes -= value.weight;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
