// The driver's way to the API while the API, its Temporal or its store may be down: every call is tried again until
// it gets an answer that is not a 5xx, as an operator's script (or the CLI) would keep trying during an outage.
import type { Json } from '../harness/http';

// Patient: a call abandoned early is still worked on by the API, and its retry only adds to the load.
const CALL_TIMEOUT_MS = 60_000;
const RETRY_EVERY_MS = 500;

/** How often the API could not answer: counted, to show the faults were felt, never a verdict on their own. */
export interface ClientStats {
  calls: number;
  retries: number;
  /** Non-answers by cause: `refused` (no API), `timeout`, or the 5xx status. */
  byCause: Record<string, number>;
}

export function patientClient(url: () => string | undefined, stats: ClientStats) {
  return async function call(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    deadlineMs = 300_000,
  ): Promise<{ status: number; body: Json }> {
    const deadline = Date.now() + deadlineMs;
    stats.calls++;
    for (;;) {
      const base = url();
      let cause: string;
      if (base === undefined) {
        cause = 'refused';
      } else {
        try {
          const res = await fetch(`${base}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
          });
          const text = await res.text();
          if (res.status < 500) return { status: res.status, body: text ? (JSON.parse(text) as Json) : undefined };
          cause = String(res.status);
        } catch (err) {
          cause = err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'refused';
        }
      }
      stats.retries++;
      stats.byCause[cause] = (stats.byCause[cause] ?? 0) + 1;
      if (Date.now() > deadline) throw new Error(`${method} ${path}: no answer from the API within ${deadlineMs / 1000}s (last: ${cause})`);
      await new Promise((r) => setTimeout(r, RETRY_EVERY_MS));
    }
  };
}

export type PatientCall = ReturnType<typeof patientClient>;
