import type { z } from 'zod';
import { RunbookIssue } from '../model/issue';
import { CliError, CliIo, EXIT } from './io';
import { resolveConnection } from './profile';

export { DEFAULT_URL } from './profile';

/** A request the API refused (4xx, exit 1), failed (5xx, exit 3) or that could not reach it (exit 3). */
export class ApiError extends CliError {
  constructor(
    message: string,
    exitCode: number,
    /** The HTTP status, when the API answered. */
    readonly status?: number,
    /** The problem's `issues` that are runbook issues (path, message, line), e.g. of an invalid upload. */
    readonly issues: RunbookIssue[] = [],
  ) {
    super(message, exitCode);
  }
}

export type Api = ReturnType<typeof apiFor>;

/** A request body: JSON (any value), or text sent as it is with its content type. */
type Body = { json: unknown } | { text: string; type: string };

/**
 * The API of the profile named by --profile, or LIFEBOAT_URL (default http://127.0.0.1:3000) with LIFEBOAT_TOKEN;
 * see resolveConnection.
 */
export function apiFor(io: CliIo) {
  const { base, token, source } = resolveConnection(io);
  const doFetch = io.fetch ?? fetch;
  const hint = source === 'the default address' ? 'set LIFEBOAT_URL or --profile to its address' : `check ${source}`;

  const send = async (
    method: string,
    path: string,
    o: { body?: unknown; raw?: Body; accept?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> => {
    const headers: Record<string, string> = { accept: o.accept ?? 'application/json', ...o.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    const raw: Body | undefined = o.raw ?? (o.body === undefined ? undefined : { json: o.body });
    let body: string | undefined;
    if (raw !== undefined && 'text' in raw) {
      headers['content-type'] = raw.type;
      body = raw.text;
    } else if (raw !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(raw.json);
    }
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { method, headers, body, signal: o.signal });
    } catch (err) {
      throw new ApiError(`cannot reach the Lifeboat API at ${base} (${causeOf(err)}); is it running? (${hint})`, EXIT.unavailable);
    }
    if (!res.ok) throw await refusal(res, method, path, Boolean(token));
    return res;
  };

  /** Sends a request and parses the JSON answer with `schema`; 204 and 202 answers need no schema. */
  const call = async <S extends z.ZodType>(schema: S, method: string, path: string, body?: unknown, raw?: Body): Promise<z.infer<S>> => {
    const res = await send(method, path, { body, raw });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(`${method} ${path} answered something that is not JSON: ${text.slice(0, 200)}`, EXIT.unavailable);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError(`${method} ${path} answered an unexpected shape (is the CLI the same version as the API?): ${parsed.error.message}`, EXIT.unavailable);
    return parsed.data;
  };

  return { base, send, call };
}

async function refusal(res: Response, method: string, path: string, hasToken: boolean): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let detail = text.slice(0, 500) || res.statusText;
  let issues: RunbookIssue[] = [];
  try {
    const problem: unknown = JSON.parse(text);
    if (typeof problem === 'object' && problem !== null) {
      const d: unknown = Reflect.get(problem, 'detail');
      const list: unknown = Reflect.get(problem, 'issues');
      if (typeof d === 'string') detail = d;
      if (Array.isArray(list)) {
        issues = list.flatMap((i) => {
          const parsed = RunbookIssue.safeParse(i);
          return parsed.success ? [parsed.data] : [];
        });
        if (list.length > 1) detail += list.map((i) => `\n  ${String(Reflect.get(i, 'path'))}: ${String(Reflect.get(i, 'message'))}`).join('');
      }
    }
  } catch {
    // not problem+json: the raw text is the detail
  }
  if (res.status === 401 && !hasToken) detail += ' (set LIFEBOAT_TOKEN)';
  return new ApiError(`${method} ${path}: ${res.status} ${detail}`, res.status >= 500 ? EXIT.unavailable : EXIT.failed, res.status, issues);
}

/** Why a fetch or a stream read failed, in a few words (`ECONNREFUSED`, `other side closed`). */
export function causeOf(err: unknown): string {
  const cause: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'cause') : undefined;
  const code: unknown = typeof cause === 'object' && cause !== null ? Reflect.get(cause, 'code') : undefined;
  if (typeof code === 'string') return code;
  // fetch wraps the reason ("bad port", a DNS failure) in a TypeError("fetch failed") whose cause says it.
  const reason: unknown = typeof cause === 'object' && cause !== null ? Reflect.get(cause, 'message') : undefined;
  if (typeof reason === 'string') return reason;
  return err instanceof Error ? err.message : String(err);
}

/** `/runs/<id>` with each segment encoded. */
export function apiPath(...segments: Array<string | number>): string {
  return `/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
}
