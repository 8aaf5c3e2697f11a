import { ApplicationFailure, Context, heartbeat, sleep } from '@temporalio/activity';
import { FAILURE } from '../contract/names';
import type { ActivityDeps } from './deps';
import { withSecrets } from './secrets';
import { compareValues, type CompareOp } from '../model/compare';
import { valueAt } from '../runs/values';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  /** Sent as the Idempotency-Key header so a target can recognise a repeated attempt. */
  idempotencyKey?: string;
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

async function send(req: HttpRequest, env: NodeJS.ProcessEnv): Promise<HttpResult> {
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
    res = await fetch(r.url, { method: r.method, headers, body, signal: Context.current().cancellationSignal });
  } catch (err) {
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
    async httpRequest(input: HttpRequest & { expect?: number[] }): Promise<HttpResult> {
      const res = await send(input, env);
      const ok = input.expect && input.expect.length > 0 ? input.expect.includes(res.status) : res.status >= 200 && res.status < 300;
      if (!ok) {
        const want = input.expect?.length ? input.expect.join(' or ') : '2xx';
        throw ApplicationFailure.retryable(`${input.method} ${input.url} answered ${res.status}, expected ${want}`, FAILURE.unexpectedStatus, res);
      }
      return res;
    },

    /** Polls until the condition holds; the step's timeout ends it otherwise. */
    async checkHttp(input: CheckRequest): Promise<HttpResult & { polls: number }> {
      let polls = 0;
      for (;;) {
        polls++;
        let res: HttpResult | undefined;
        let note: string;
        try {
          res = await send(input, env);
          const { status, path, op, value } = input.until;
          const statusOk = status === undefined || res.status === status;
          // Without a path the condition is on the status code itself (`until: { op: in, value: [200, 204] }`).
          const valueOk = compareValues(op, path === undefined ? res.status : valueAt(res.body, path), value);
          if (statusOk && valueOk) return { ...res, polls };
          note = `status ${res.status}${path ? `, ${path} = ${JSON.stringify(valueAt(res.body, path))}` : ''}`;
        } catch (err) {
          note = err instanceof Error ? err.message : String(err);
        }
        heartbeat({ polls, last: note });
        await sleep(input.everyMs); // throws when the activity is cancelled or times out
      }
    },
  };
}
