import { createHash } from 'node:crypto';
import { canonicalJson } from '../model/hash';
import type { ChainVerification, StoredTimelineEvent, TimelineEvent } from './event';

export const GENESIS_HASH = '0'.repeat(64);

// Frozen events whose hash was recomputed and found right: the store hands out frozen events it parsed from an
// unchanged document (store/timeline-parse.ts), and a frozen event cannot have been edited since, so its hash is not
// recomputed on the next verification. Links and seqs are still checked every time.
const checked = new WeakSet<object>();

/** The hash of one event: everything it says plus the hash of the event before it. */
export function hashEvent(runId: string, event: TimelineEvent, prevHash: string): string {
  const { seq, at, type, actor, stepId, attempt, detail } = event;
  return createHash('sha256').update(canonicalJson({ runId, seq, at, type, actor, stepId, attempt, detail, prevHash })).digest('hex');
}

/** Links `events` (consecutive seqs) onto a chain whose last hash is `prevHash`. */
export function chainEvents(runId: string, events: TimelineEvent[], prevHash: string): StoredTimelineEvent[] {
  const out: StoredTimelineEvent[] = [];
  let prev = prevHash;
  for (const event of events) {
    const hash = hashEvent(runId, event, prev);
    out.push({ ...event, runId, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

/**
 * Checks a run's stored events in order against their hashes and links, and against the head the store recorded
 * separately (so deleting the newest events also shows). Reports the first event that does not check out.
 */
export function verifyChain(runId: string, events: StoredTimelineEvent[], head?: { seq: number; hash: string }): ChainVerification {
  let prev = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const expectedSeq = i + 1;
    if (e.seq !== expectedSeq) {
      const problem = e.seq > expectedSeq ? 'missing' : 'reordered';
      return bad(events.length, expectedSeq, problem, `event ${expectedSeq} is ${problem === 'missing' ? 'missing' : 'out of order'}: found event ${e.seq} in its place`);
    }
    if (e.prevHash !== prev) return bad(events.length, e.seq, 'reordered', `event ${e.seq} does not link to event ${e.seq - 1}: an event before it was changed, removed or moved`);
    if (!(checked.has(e) && e.runId === runId)) {
      if (hashEvent(runId, e, prev) !== e.hash) return bad(events.length, e.seq, 'edited', `event ${e.seq} (${e.type}) was edited after it was recorded`);
      if (Object.isFrozen(e) && e.runId === runId) checked.add(e);
    }
    prev = e.hash;
  }
  if (head && head.seq > events.length) {
    return bad(
      events.length,
      events.length + 1,
      'missing',
      `event ${events.length + 1} is missing: the timeline should end at event ${head.seq} but ends at event ${events.length}`,
    );
  }
  if (head && (head.seq !== events.length || head.hash !== prev)) {
    return bad(events.length, head.seq, 'edited', `the chain ending at event ${events.length} does not match the head recorded when it was written: events were rewritten`);
  }
  return { ok: true, events: events.length, headHash: prev };
}

function bad(count: number, seq: number, problem: 'edited' | 'missing' | 'reordered', message: string): ChainVerification {
  return { ok: false, events: count, firstBad: { seq, problem, message } };
}
