// Zod-free and pure: the workflow's update validators and the worker's start check share this freshness rule.
import { SIGNATURE_WINDOW_MS } from './names';

/** Whether a proof was issued within the signature window of `nowMs` (a little ahead is clock skew, not forgery). */
export function isFresh(proof: { issuedAt: string }, nowMs: number): boolean {
  const at = Date.parse(proof.issuedAt);
  return Number.isFinite(at) && Math.abs(nowMs - at) <= SIGNATURE_WINDOW_MS;
}
