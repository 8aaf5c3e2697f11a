import type { PostAnswer, PostRequest } from '../channels/kit';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from '../notify/signature';
import { sendOutbound, type EgressPolicy } from './egress';

const TIMEOUT_MS = 30_000;
// Enough of an error answer to say why (PagerDuty explains a rejected event in its body); more is not read.
const MAX_ANSWER = 64 * 1024;
const SHOWN_ANSWER = 2000;

/** POSTs a JSON body for a channel, under the egress policy; resolves with the answer, or why none came. Throws only when cancelled. */
export async function postJson(p: PostRequest & { signal: AbortSignal }, policy: EgressPolicy): Promise<PostAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Lifeboat', ...p.headers };
  if (p.signature) {
    // A fresh timestamp per attempt: a receiver rejecting old timestamps must still accept our retries.
    const timestamp = String(Math.floor(Date.now() / 1000));
    headers[TIMESTAMP_HEADER] = timestamp;
    if (p.signature.secret) headers[SIGNATURE_HEADER] = signWebhook(p.signature.secret, timestamp, p.body);
  }
  try {
    // Redirects are not followed: a signed body must not be forwarded to wherever a 3xx points.
    const res = await sendOutbound(
      { method: 'POST', url: p.url, headers, body: p.body },
      // A success needs no reading; an error answer is read (capped) for its reason.
      { policy, signal: p.signal, maxBodyBytes: MAX_ANSWER, timeoutMs: TIMEOUT_MS, maxRedirects: 0, readBody: (status) => status < 200 || status >= 300 },
    );
    if (res.status >= 200 && res.status < 300) return { status: res.status, text: '' };
    return { status: res.status, text: res.text.slice(0, SHOWN_ANSWER) };
  } catch (err) {
    if (p.signal.aborted) throw p.signal.reason;
    return { unreachable: err instanceof Error ? err.message : String(err) };
  }
}
