import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header names of a signed webhook. */
export const SIGNATURE_HEADER = 'X-Lifeboat-Signature';
export const TIMESTAMP_HEADER = 'X-Lifeboat-Timestamp';

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: the timestamp is signed too, so an old request cannot be replayed as new. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * For receivers written in TypeScript: true when `signature` is this body's and the timestamp (Unix seconds) is within
 * `toleranceSeconds` of `nowMs`. Compares in constant time.
 */
export function verifyWebhookSignature(o: { secret: string; timestamp: string; body: string; signature: string; toleranceSeconds?: number; nowMs?: number }): boolean {
  const sent = Number(o.timestamp);
  const now = (o.nowMs ?? Date.now()) / 1000;
  if (!Number.isFinite(sent) || Math.abs(now - sent) > (o.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(o.secret, o.timestamp, o.body));
  const given = Buffer.from(o.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
