import type { PostAnswer, PostRequest } from '../channels/kit';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from '../notify/signature';

const TIMEOUT_MS = 30_000;
// Enough of an error answer to say why (PagerDuty explains a rejected event in its body).
const MAX_ANSWER = 2000;

/** POSTs a JSON body for a channel; resolves with the answer, or why none came. Throws only when cancelled. */
export async function postJson(p: PostRequest & { signal: AbortSignal }): Promise<PostAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Lifeboat', ...p.headers };
  if (p.signature) {
    // A fresh timestamp per attempt: a receiver rejecting old timestamps must still accept our retries.
    const timestamp = String(Math.floor(Date.now() / 1000));
    headers[TIMESTAMP_HEADER] = timestamp;
    if (p.signature.secret) headers[SIGNATURE_HEADER] = signWebhook(p.signature.secret, timestamp, p.body);
  }
  let res: Response;
  try {
    // Redirects are not followed: a signed body must not be forwarded to wherever a 3xx points.
    res = await fetch(p.url, { method: 'POST', headers, body: p.body, redirect: 'manual', signal: AbortSignal.any([p.signal, AbortSignal.timeout(TIMEOUT_MS)]) });
  } catch (err) {
    if (p.signal.aborted) throw p.signal.reason;
    return { unreachable: err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err) };
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel();
    return { status: res.status, text: '' };
  }
  const text = await res.text().catch(() => '');
  return { status: res.status, text: text.slice(0, MAX_ANSWER) };
}
