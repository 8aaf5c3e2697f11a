import { StoredTimelineEvent } from '../timeline/event';

// Parsing stored events, and remembering what was parsed. Documents of the paged layout (store/timeline.ts) are
// immutable and hold their events as one value (deflated JSON), so a document read again with the very same bytes
// parses to the very same events: those are kept (frozen, so no caller can change them under another) and handed out
// again without inflating, JSON.parse or the schema. The bytes are compared whole, so an edited document is parsed
// afresh and a tampered event still fails its read or its verification. Frozen events also let timeline/chain.ts skip hashing
// an event it already checked.

/** An event as the old layout stored it: `detail` as JSON text (FerretDB v1 rejects dotted and `$` keys). */
export type OldStoredEvent = Omit<StoredTimelineEvent, 'detail'> & { detail?: string };

export type Parsed = { events: StoredTimelineEvent[]; malformed?: { seq: number; message: string } };

// About 1 MB of stored (deflated) events, some 15,000 events (about 20 MB parsed): the hot timelines of a busy API.
const CACHE_CHARS = 1_000_000;
const cache = new Map<string, { raw: Buffer; events: StoredTimelineEvent[] }>();
let cachedChars = 0;

/** The events of a document of the paged layout, `raw` being its stored bytes (`text` their JSON); cached by document id and bytes. */
export function parsePaged(runId: string, id: string, raw: Buffer, text: (raw: Buffer) => string): Parsed {
  const hit = cache.get(id);
  if (hit && hit.raw.equals(raw)) {
    cache.delete(id); // most recently used last
    cache.set(id, hit);
    return { events: hit.events };
  }
  let list: unknown;
  try {
    list = JSON.parse(text(raw));
  } catch (err) {
    return { events: [], malformed: { seq: 0, message: `timeline of run ${runId}: stored document ${id} is not JSON: ${message(err)}` } };
  }
  if (!Array.isArray(list)) return { events: [], malformed: { seq: 0, message: `timeline of run ${runId}: stored document ${id} does not hold a list of events` } };
  const events: StoredTimelineEvent[] = [];
  for (const e of list as unknown[]) {
    const parsed = parseEvent(runId, e, e);
    if (!parsed.ok) return { events, malformed: parsed };
    events.push(deepFreeze(parsed.event));
  }
  remember(id, raw, events);
  return { events };
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

function remember(id: string, raw: Buffer, events: StoredTimelineEvent[]): void {
  const old = cache.get(id);
  if (old) cachedChars -= old.raw.length;
  cache.delete(id);
  if (raw.length > CACHE_CHARS / 4) return;
  cache.set(id, { raw, events });
  cachedChars += raw.length;
  for (const [key, value] of cache) {
    if (cachedChars <= CACHE_CHARS) break;
    cache.delete(key);
    cachedChars -= value.raw.length;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// The JSON text of events handed out frozen: they cannot change, so an answer of thousands of them is joined from
// texts made once instead of serialised again on every read.
const texts = new WeakMap<object, string>();

/** An event as JSON text, the same as JSON.stringify gives. */
export function eventJson(e: StoredTimelineEvent): string {
  if (!Object.isFrozen(e)) return JSON.stringify(e);
  let text = texts.get(e);
  if (text === undefined) {
    text = JSON.stringify(e);
    texts.set(e, text);
  }
  return text;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
