import { ApplicationFailure } from '@temporalio/activity';
import { setTimeout as delay } from 'node:timers/promises';
import { FAILURE } from '../contract/names';
import { activityLog } from '../logging/activity';
import type { SecretSlot } from '../model/template';
import type { ActivityDeps } from './deps';
import type { CarriedRecords, Carry } from './carried';
import { carrying, kept, runDispatch, type Dispatched, type Kept } from './dispatch';
import { egressPolicy, sendOutbound, type EgressPolicy } from './egress';
import { assertSecretHosts, unseal, type Unsealed } from './secrets';
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
  /** Where the step's secrets go in this request, from the runbook's text (see renderSealed); the url's pieces too. */
  secrets?: SecretSlot[];
  /** The run's records to store beside the request (activities/carried.ts). */
  records?: CarriedRecords;
  /** The step's outputs: the answer keeps only what they select (activities/dispatch.ts `kept`). */
  outputs?: Record<string, string>;
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

interface Sender {
  policy: EgressPolicy;
  maxBodyBytes: number;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

/** Puts the secrets in and checks where they may go, once per attempt (a check polls with the same request). */
function prepare(req: HttpRequest, env: NodeJS.ProcessEnv): Unsealed<HttpRequest> {
  const sealed = unseal(req, req.secrets, env);
  let url: URL;
  try {
    url = new URL(sealed.request.url.trim());
  } catch {
    throw ApplicationFailure.nonRetryable(`${req.method} ${sealed.mask(req.url)}: not a valid URL`, FAILURE.httpError);
  }
  const urlSlot = req.secrets?.find((s) => s.path.length === 1 && s.path[0] === 'url');
  assertSecretHosts(sealed.used, urlSlot?.parts, url, env);
  return sealed;
}

async function send(req: HttpRequest, sealed: Unsealed<HttpRequest>, s: Sender, signal: AbortSignal): Promise<HttpResult> {
  const r = sealed.request;
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.idempotencyKey) headers['Idempotency-Key'] = r.idempotencyKey;
  let body: string | undefined = r.body;
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const secretHeaders = new Set(
    (r.secrets ?? []).filter((slot) => slot.path[0] === 'headers' && slot.parts.some((p) => 'secret' in p)).map((slot) => String(slot.path[1]).toLowerCase()),
  );
  const secretBody = (r.secrets ?? []).some((slot) => (slot.path[0] === 'json' || slot.path[0] === 'body') && slot.parts.some((p) => 'secret' in p));
  let res;
  const started = Date.now();
  try {
    res = await sendOutbound(
      { method: r.method, url: r.url, headers, body },
      { policy: s.policy, signal, maxBodyBytes: s.maxBodyBytes, timeoutMs: s.timeoutMs, maxRedirects: 5, secretHeaders, secretBody },
    );
  } catch (err) {
    activityLog().warn(
      { method: req.method, url: req.url, error: sealed.mask(err instanceof Error ? err.message : String(err)), ms: Date.now() - started },
      'outbound request failed',
    );
    if (signal.aborted || !(err instanceof ApplicationFailure)) throw err;
    // Named by the url as the runbook wrote it: secrets show as {{ secrets.NAME }}, never as their values.
    throw new ApplicationFailure(`${req.method} ${req.url} failed: ${err.message}`, err.type, err.nonRetryable);
  }
  // The url as the runbook wrote it: a secret in it shows as {{ secrets.NAME }}.
  activityLog().info({ method: req.method, url: req.url, status: res.status, ms: Date.now() - started }, 'outbound request');
  let parsed: unknown = res.text;
  if ((res.headers['content-type'] ?? '').includes('json')) {
    try {
      parsed = JSON.parse(res.text);
    } catch {
      parsed = res.text;
    }
  }
  // Masked here, before the result can reach history, outputs or the timeline: a target may echo what it was sent.
  return sealed.maskDeep({ status: res.status, headers: res.headers, body: parsed });
}

// A failure's details go into history with each attempt: a status answered with a large body keeps only its start.
const EXCERPT_CHARS = 2048;

function excerpt(res: HttpResult): HttpResult {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  return text === undefined || text.length <= EXCERPT_CHARS ? res : { ...res, body: `${text.slice(0, EXCERPT_CHARS)}… (${text.length} characters)` };
}

/** Masks a failure's message and details: an error text can quote the request or the target's answer. */
function masked(err: unknown, sealed: Unsealed<HttpRequest>): unknown {
  if (!(err instanceof ApplicationFailure)) return err instanceof Error ? new Error(sealed.mask(err.message)) : err;
  return new ApplicationFailure(sealed.mask(err.message), err.type, err.nonRetryable, sealed.maskDeep(err.details ?? []));
}

/** HTTP calls and health checks. */
export function httpActivities({ env, config }: ActivityDeps, carry?: Carry) {
  const sender: Sender = { policy: egressPolicy(config), maxBodyBytes: config.LIFEBOAT_HTTP_MAX_BODY, timeoutMs: config.LIFEBOAT_HTTP_TIMEOUT, env };
  return {
    async httpRequest(input: HttpRequest & { expect?: number[] }): Promise<Dispatched<Kept<HttpResult>>> {
      return carrying(carry, input.records, () =>
        runDispatch(input.timeoutMs, `${input.method} ${input.url}`, async (signal) => {
          const sealed = prepare(input, env);
          try {
            const res = await send(input, sealed, sender, signal);
            const ok = input.expect && input.expect.length > 0 ? input.expect.includes(res.status) : res.status >= 200 && res.status < 300;
            if (!ok) {
              const want = input.expect?.length ? input.expect.join(' or ') : '2xx';
              throw ApplicationFailure.retryable(`${input.method} ${input.url} answered ${res.status}, expected ${want}`, FAILURE.unexpectedStatus, excerpt(res));
            }
            return kept(res, input.outputs, `${input.method} ${input.url} (${res.status})`);
          } catch (err) {
            if (signal.aborted) throw err;
            throw masked(err, sealed);
          }
        }),
      );
    },

    /** Polls until the condition holds; the step's timeout ends it otherwise. */
    async checkHttp(input: CheckRequest): Promise<Dispatched<Kept<HttpResult & { polls: number }>>> {
      let polls = 0;
      let note = 'no answer yet';
      return carrying(carry, input.records, () =>
        runDispatch(
          input.timeoutMs,
          () => `${input.method} ${input.url} (last: ${note})`,
          async (signal) => {
            const sealed = prepare(input, env);
            for (;;) {
              polls++;
              try {
                const res = await send(input, sealed, sender, signal);
                const { status, path, op, value } = input.until;
                const statusOk = status === undefined || res.status === status;
                // Without a path the condition is on the status code itself (`until: { op: in, value: [200, 204] }`).
                const valueOk = compareValues(op, path === undefined ? res.status : valueAt(res.body, path), value);
                if (statusOk && valueOk) return kept({ ...res, polls }, input.outputs, `${input.method} ${input.url} (${res.status})`);
                note = `status ${res.status}${path ? `, ${path} = ${JSON.stringify(valueAt(res.body, path))}` : ''}`;
              } catch (err) {
                if (signal.aborted) throw err;
                // The policy will not change between polls: a refused address or host ends the step now.
                if (err instanceof ApplicationFailure && err.nonRetryable) throw masked(err, sealed);
                note = sealed.mask(err instanceof Error ? err.message : String(err));
              }
              await delay(input.everyMs, undefined, { signal }); // rejects at the step's timeout or on cancellation
            }
          },
        ),
      );
    },
  };
}
