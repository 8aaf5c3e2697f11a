// The signed head and the checks against it, without servers: what a database administrator can and cannot forge.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chainEvents, GENESIS_HASH } from '../../timeline/chain';
import type { TimelineEvent } from '../../timeline/event';
import { headSignatureValid, parseEvidenceKey, signHead, verifyEvidence } from '../../timeline/evidence';

const key = parseEvidenceKey(randomBytes(32).toString('base64'));
const RUN = 'run-1';
const events: TimelineEvent[] = Array.from({ length: 6 }, (_, i) => ({
  seq: i + 1,
  at: `2026-11-24T10:00:0${i}.000Z`,
  type: 'step.started',
  actor: 'lifeboat',
  stepId: `s${i}`,
  attempt: 1,
  detail: { action: 'wait' },
}));
const stored = chainEvents(RUN, events, GENESIS_HASH);
const headAt = (seq: number) => signHead(key, { runId: RUN, seq, hash: stored[seq - 1]!.hash });
const anchors = (heads = [headAt(3), headAt(6)], final = true) => ({ heads, final, source: 'Temporal' });
const end = { seq: 6, hash: stored[5]!.hash };

describe('evidence keys and signed heads', () => {
  it('reads the key as a base64 seed or as PEM, to the same key id', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const fromPem = parseEvidenceKey(pem);
    expect(fromPem.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    expect(fromPem.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(parseEvidenceKey(pem.replace(/\n/g, '\\n')).keyId).toBe(fromPem.keyId); // one-line env files
  });

  it('refuses a key that is neither a 32-byte seed nor an Ed25519 PEM, saying what it expects', () => {
    expect(() => parseEvidenceKey('c2hvcnQ=')).toThrow('base64 of a 32-byte seed; this decodes to 5 bytes');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseEvidenceKey(rsa)).toThrow('must be an Ed25519 key, not rsa');
  });

  it('signs a head so that any change to it, or another key, fails the signature', () => {
    const head = headAt(6);
    expect(headSignatureValid(head, key.publicKey)).toBe(true);
    expect(headSignatureValid({ ...head, hash: stored[4]!.hash }, key.publicKey)).toBe(false);
    expect(headSignatureValid({ ...head, seq: 5 }, key.publicKey)).toBe(false);
    expect(headSignatureValid(head, generateKeyPairSync('ed25519').publicKey)).toBe(false);
    expect(signHead(undefined, { runId: RUN, seq: 6, hash: 'x' })).not.toHaveProperty('signature');
  });
});

describe('verifyEvidence', () => {
  it('accepts a chain that passes through every signed head and ends at the final one', () => {
    expect(verifyEvidence(RUN, stored, end, anchors(), key.publicKey)).toMatchObject({ ok: true, anchor: { seq: 6, final: true, signature: 'valid', heads: 2 } });
  });

  it('names the signed range a consistent rewrite falls in', () => {
    const forged = chainEvents(
      RUN,
      events.map((e) => (e.seq === 5 ? { ...e, actor: 'mallory' } : e)),
      GENESIS_HASH,
    );
    const v = verifyEvidence(RUN, forged, { seq: 6, hash: forged[5]!.hash }, anchors(), key.publicKey);
    expect(v).toMatchObject({ ok: false, firstBad: { seq: 6, problem: 'rewritten' } });
    expect(v.firstBad!.message).toContain('an event between 4 and 6 was changed');
  });

  it('reports events added after the signed end of a finished run, but not after the latest head of a running one', () => {
    expect(verifyEvidence(RUN, stored, end, anchors([headAt(4)], true), key.publicKey)).toMatchObject({ ok: false, firstBad: { seq: 5, problem: 'rewritten' } });
    expect(verifyEvidence(RUN, stored, end, anchors([headAt(4)], false), key.publicKey)).toMatchObject({ ok: true });
  });

  it('reports a kept head that is unsigned or signed for another run', () => {
    const { signature: _s, ...unsigned } = headAt(6);
    expect(verifyEvidence(RUN, stored, end, anchors([unsigned]), key.publicKey)).toMatchObject({
      ok: false,
      firstBad: { problem: 'signature' },
      anchor: { signature: 'unsigned' },
    });
    const other = signHead(key, { runId: 'run-2', seq: 6, hash: stored[5]!.hash });
    expect(verifyEvidence(RUN, stored, end, anchors([other]), key.publicKey)).toMatchObject({ ok: false, firstBad: { problem: 'signature' } });
  });
});
