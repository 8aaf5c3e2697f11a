import { ApplicationFailure } from '@temporalio/activity';
import { setTimeout as delay } from 'node:timers/promises';
import { FAILURE } from '../contract/names';
import type { ActivityDeps } from './deps';
import { runDispatch, type Dispatched } from './dispatch';
import { withSecrets } from './secrets';
import { compareValues, type CompareOp } from '../model/compare';
import { valueAt } from '../runs/values';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  /** Sent as the Idempotency-Key header so a target can recognise a repeat of the same execution of a step. */
  idempotencyKey?: string;
  /** The step's timeout: each dispatch stops there itself. */
  timeoutMs: number;
}
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
export interface CheckRequest extends HttpRequest {
  everyMs: number;
  until: { status?: number; path?: string; op: CompareOp; value?: unknown };
}

const MAX_BODY = 1024 * 1024;

async function send(req: HttpRequest, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<HttpResult> {
  const r = withSecrets(req, env);
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.idempotencyKey) headers['Idempotency-Key'] = r.idempotencyKey;
  let body: string | undefined = r.body;
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    headers['content-type'] ??= 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(r.url, { method: r.method, headers, body, signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw ApplicationFailure.retryable(`${r.method} ${req.url} failed${cause || `: ${String(err)}`}`, FAILURE.httpError);
  }
  const text = (await res.text()).slice(0, MAX_BODY);
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: parsed };
}

/** HTTP calls and health checks. */
export function httpActivities({ env }: ActivityDeps) {
  return {
    async httpRequest(input: HttpRequest & { expect?: number[] }): Promise<Dispatched<HttpResult>> {
      return runDispatch(input.timeoutMs, `${input.method} ${input.url}`, async (signal) => {
        const res = await send(input, env, signal);
        const ok = input.expect && input.expect.length > 0 ? input.expect.includes(res.status) : res.status >= 200 && res.status < 300;
        if (!ok) {
          const want = input.expect?.length ? input.expect.join(' or ') : '2xx';
          throw ApplicationFailure.retryable(`${input.method} ${input.url} answered ${res.status}, expected ${want}`, FAILURE.unexpectedStatus, res);
        }
        return res;
      });
    },

    /** Polls until the condition holds; the step's timeout ends it otherwise. */
    async checkHttp(input: CheckRequest): Promise<Dispatched<HttpResult & { polls: number }>> {
      let polls = 0;
      let note = 'no answer yet';
      return runDispatch(
        input.timeoutMs,
        () => `${input.method} ${input.url} (last: ${note})`,
        async (signal) => {
          for (;;) {
            polls++;
            try {
              const res = await send(input, env, signal);
              const { status, path, op, value } = input.until;
              const statusOk = status === undefined || res.status === status;
              // Without a path the condition is on the status code itself (`until: { op: in, value: [200, 204] }`).
              const valueOk = compareValues(op, path === undefined ? res.status : valueAt(res.body, path), value);
              if (statusOk && valueOk) return { ...res, polls };
              note = `status ${res.status}${path ? `, ${path} = ${JSON.stringify(valueAt(res.body, path))}` : ''}`;
            } catch (err) {
              if (signal.aborted) throw err;
              note = err instanceof Error ? err.message : String(err);
            }
            await delay(input.everyMs, undefined, { signal }); // rejects at the step's timeout or on cancellation
          }
        },
      );
    },
  };
}
