// The evidence key and the signed head: the worker signs its timeline head with an Ed25519 key the database never
// sees, and the workflow keeps the signed heads in Temporal. A database administrator who edits an event and
// recomputes every hash and the head still cannot produce the signed head, so verification shows the rewrite.
import { sign, verify, type KeyObject } from 'node:crypto';
import type { SignedHead } from '../contract/run';
import { canonicalJson } from '../model/hash';
import { verifyChain } from './chain';
import type { EvidenceKey } from './key';
import type { ChainVerification, StoredTimelineEvent } from './event';

export type { SignedHead };
export { keyIdOf, parseEvidenceKey, type EvidenceKey } from './key';

/** The bytes a head's signature covers: the canonical JSON (RFC 8785) of every field but the signature. */
export function headStatement(head: Omit<SignedHead, 'signature'>): string {
  const { runId, seq, hash, signedAt, keyId } = head;
  return canonicalJson({ runId, seq, hash, signedAt, keyId });
}

/** Signs a run's head now; without a key the head is still kept in Temporal, unsigned. */
export function signHead(key: EvidenceKey | undefined, head: { runId: string; seq: number; hash: string }, now = new Date()): SignedHead {
  const unsigned = { runId: head.runId, seq: head.seq, hash: head.hash, signedAt: now.toISOString(), keyId: key?.keyId };
  if (!key) return unsigned;
  return { ...unsigned, signature: sign(null, Buffer.from(headStatement(unsigned)), key.privateKey).toString('base64') };
}

/** Whether `head` carries a valid signature by `publicKey`. */
export function headSignatureValid(head: SignedHead, publicKey: KeyObject): boolean {
  if (!head.signature) return false;
  try {
    return verify(null, Buffer.from(headStatement(head)), publicKey, Buffer.from(head.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The heads held outside the database, oldest first; `final` when the last one is the run's end (its result). */
export interface Anchors {
  heads: SignedHead[];
  final: boolean;
  /** Where they were read from, for messages: "Temporal" or "the export". */
  source: string;
}

/**
 * Verifies a run's stored events against their chain and store head (verifyChain), then against the heads signed
 * by the worker and kept outside the database: each signature, and that the chain passes through every signed head
 * (and, once the run ended, ends at the last). A chain that checks out but misses a signed head was rewritten
 * consistently: by someone who could write the database but not sign.
 */
export function verifyEvidence(
  runId: string,
  events: StoredTimelineEvent[],
  storeHead: { seq: number; hash: string } | undefined,
  anchors: Anchors,
  publicKey?: KeyObject,
): ChainVerification {
  const chain = verifyChain(runId, events, storeHead);
  const heads = [...anchors.heads].sort((a, b) => a.seq - b.seq);
  const last = heads[heads.length - 1];
  const signature: NonNullable<ChainVerification['anchor']>['signature'] = !last
    ? undefined
    : !publicKey
      ? 'unchecked'
      : heads.every((h) => headSignatureValid(h, publicKey))
        ? 'valid'
        : last.signature
          ? 'invalid'
          : 'unsigned';
  const anchor = last
    ? { seq: last.seq, hash: last.hash, signedAt: last.signedAt, keyId: last.keyId, final: anchors.final, source: anchors.source, signature, heads: heads.length }
    : { source: anchors.source, final: false, heads: 0 };
  if (!chain.ok) return { ...chain, anchor };
  const bad = (seq: number, problem: 'missing' | 'rewritten' | 'signature', message: string): ChainVerification => ({
    ok: false,
    events: events.length,
    anchor,
    firstBad: { seq, problem, message },
  });
  const wrongHead = heads.find((h) => h.runId !== runId);
  if (wrongHead) return bad(wrongHead.seq, 'signature', `a head kept in ${anchors.source} belongs to run ${wrongHead.runId}, not ${runId}`);
  if (publicKey) {
    const forged = heads.find((h) => !headSignatureValid(h, publicKey));
    if (forged) {
      const why = forged.signature ? 'whose signature does not verify with the evidence key' : 'that is not signed';
      return bad(forged.seq, 'signature', `the head at event ${forged.seq} kept in ${anchors.source} is one ${why} (key ${forged.keyId ?? 'none'})`);
    }
  }
  let matched = 0;
  for (const head of heads) {
    if (head.seq > events.length) {
      return bad(
        events.length + 1,
        'missing',
        `events ${events.length + 1}..${head.seq} are missing: the worker signed a head at event ${head.seq} (kept in ${anchors.source}) but the timeline ends at event ${events.length}, ` +
          'and its chain and head were rewritten to match',
      );
    }
    if (events[head.seq - 1]!.hash !== head.hash) {
      return bad(
        head.seq,
        'rewritten',
        `the timeline was rewritten consistently: its hash chain checks out, but at event ${head.seq} it does not match the head the worker signed (kept in ${anchors.source}); ` +
          `an event between ${matched + 1} and ${head.seq} was changed and every hash after it recomputed`,
      );
    }
    matched = head.seq;
  }
  if (anchors.final && last && events.length > last.seq) {
    return bad(
      last.seq + 1,
      'rewritten',
      `events ${last.seq + 1}..${events.length} were added after the run ended: its signed final head (kept in ${anchors.source}) is event ${last.seq}`,
    );
  }
  return { ...chain, anchor };
}
