import { ApplicationFailure } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from '../notify/signature';

const TIMEOUT_MS = 30_000;
// Statuses that say "try again later"; any other non-2xx answer will not change on a retry.
const TRANSIENT = new Set([408, 425, 429]);

export interface WebhookPost {
  url: string;
  body: string;
  /** LIFEBOAT_WEBHOOK_SECRET; without it the request is unsigned. */
  secret?: string;
  /** The idempotency key, sent hashed as X-Lifeboat-Delivery so a receiver can drop repeats. */
  key: string;
  event: string;
  /** The target as shown in errors: a webhook URL can be a credential, so errors never print it. */
  name: string;
  signal: AbortSignal;
}

/** POSTs a JSON body, signed; resolves with the 2xx status, throws an ApplicationFailure otherwise. */
export async function postWebhook(p: WebhookPost): Promise<number> {
  // A fresh timestamp per attempt: a receiver rejecting old timestamps must still accept our retries.
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Lifeboat',
    'x-lifeboat-event': p.event,
    'x-lifeboat-delivery': createHash('sha256').update(p.key).digest('hex').slice(0, 32),
    [TIMESTAMP_HEADER]: timestamp,
  };
  if (p.secret) headers[SIGNATURE_HEADER] = signWebhook(p.secret, timestamp, p.body);
  let res: Response;
  try {
    // Redirects are not followed: a signed body must not be forwarded to wherever a 3xx points.
    res = await fetch(p.url, { method: 'POST', headers, body: p.body, redirect: 'manual', signal: AbortSignal.any([p.signal, AbortSignal.timeout(TIMEOUT_MS)]) });
  } catch (err) {
    if (p.signal.aborted) throw p.signal.reason;
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    throw ApplicationFailure.retryable(`webhook ${p.name} could not be reached: ${cause}`, 'WebhookFailed');
  }
  await res.body?.cancel();
  if (res.status >= 200 && res.status < 300) return res.status;
  const message = `webhook ${p.name} answered ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed: configure the final URL)' : ''}`;
  if (res.status >= 500 || TRANSIENT.has(res.status)) throw ApplicationFailure.retryable(message, 'WebhookFailed', { status: res.status });
  throw ApplicationFailure.nonRetryable(message, 'WebhookRejected', { status: res.status });
}
