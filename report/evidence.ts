// The evidence export: one file with everything an auditor needs to check a run without Lifeboat's servers: the
// stored events, the signed heads Temporal kept, the public key and the report. Verifying it is pure (offline).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { SignedHead } from '../contract/run';
import { ChainVerification, StoredTimelineEvent } from '../timeline/event';
import { keyIdOf, verifyEvidence, type Anchors } from '../timeline/evidence';
import { RunReport } from './types';

export const EVIDENCE_FORMAT = 'lifeboat-evidence/1';

/** What `lifeboat evidence export` writes (GET /runs/:id/evidence). */
export const EvidenceBundle = z
  .object({
    format: z.literal(EVIDENCE_FORMAT),
    runId: z.string(),
    exportedAt: z.string(),
    events: z.array(StoredTimelineEvent).meta({ description: "The run's timeline as stored, each event with its prevHash and hash." }),
    storeHead: z.object({ seq: z.int(), hash: z.string() }).optional().meta({ description: 'The head the database recorded.' }),
    signedHeads: z.array(SignedHead).meta({ description: 'The heads the worker signed, as Temporal kept them, oldest first.' }),
    final: z.boolean().meta({ description: "The last signed head is the run's end (from the workflow's result)." }),
    publicKey: z.string().optional().meta({ description: 'The evidence public key (PEM, SPKI) the heads are signed with.' }),
    keyId: z.string().optional(),
    report: RunReport,
  })
  .meta({ id: 'EvidenceBundle' });
export type EvidenceBundle = z.infer<typeof EvidenceBundle>;

/** The bundle of one run, from what the API read. */
export function evidenceBundle(o: {
  runId: string;
  events: StoredTimelineEvent[];
  storeHead?: { seq: number; hash: string };
  anchors: Anchors;
  publicKey?: KeyObject;
  report: RunReport;
  now: string;
}): EvidenceBundle {
  return {
    format: EVIDENCE_FORMAT,
    runId: o.runId,
    exportedAt: o.now,
    events: o.events,
    storeHead: o.storeHead,
    signedHeads: o.anchors.heads,
    final: o.anchors.final,
    publicKey: o.publicKey?.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: o.publicKey ? keyIdOf(o.publicKey) : undefined,
    report: o.report,
  };
}

/**
 * Checks an export offline: every event's hash and link, that the chain passes through every signed head (and ends
 * at the final one), and each head's Ed25519 signature, with `trustedKey` (PEM) when given, else the bundle's own
 * key, whose id the auditor compares with the one the operator published. A bundle with no signed head fails.
 */
export function verifyEvidenceBundle(bundle: EvidenceBundle, trustedKey?: string): ChainVerification & { keyId?: string } {
  const pem = trustedKey ?? bundle.publicKey;
  const fail = (message: string): ChainVerification => ({ ok: false, events: bundle.events.length, firstBad: { seq: 0, problem: 'signature', message } });
  if (!pem) return fail('the export carries no public key, and none was given with --key');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    return fail(`the public key is not a PEM public key: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (bundle.signedHeads.length === 0) return fail('the export carries no signed head: there is nothing outside the database to check the chain against');
  const anchors = { heads: bundle.signedHeads, final: bundle.final, source: 'the export' };
  return { ...verifyEvidence(bundle.runId, bundle.events, bundle.storeHead, anchors, key), keyId: keyIdOf(key) };
}
