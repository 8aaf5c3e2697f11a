// A reviewer's sign-off names the hash of the report's signed content: SHA-256 of its canonical JSON (the same
// canonicalisation as the timeline's evidence, model/hash.ts). The content is the report less what changes on its
// own as time passes (when it was generated, the trend, the programme, other runs' open actions) and the sign-off.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../model/hash';
import type { SignOffDoc } from '../store/signoffs';
import type { ReviewerSignOff, RunReport } from './types';

/** Report sections outside the signed content. */
const UNSIGNED = new Set(['generatedAt', 'trend', 'programme', 'openActions', 'reviewerSignOff']);

/** The part of a report a sign-off covers, as a plain JSON object. */
export function signedContent(report: RunReport): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(plain).filter(([k]) => !UNSIGNED.has(k)));
}

/** SHA-256 (hex) of the canonical JSON of the signed content. */
export function contentHash(content: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** The sign-off as the report shows it: what was signed against the report as it is now. */
export function reviewOf(report: RunReport, doc: SignOffDoc): ReviewerSignOff {
  const now = signedContent(report);
  const currentHash = contentHash(now);
  const signed = JSON.parse(doc.content) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(signed), ...Object.keys(now)])].sort();
  const changed = keys.filter((k) => canonicalJson(signed[k] ?? null) !== canonicalJson(now[k] ?? null));
  return {
    reviewer: doc.reviewer,
    at: doc.at,
    comment: doc.comment,
    contentHash: doc.contentHash,
    currentHash,
    changedAfterSignOff: currentHash !== doc.contentHash,
    changed,
  };
}
