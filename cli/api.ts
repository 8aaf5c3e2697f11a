import type { z } from 'zod';
import { CliIo, EXIT } from './io';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

/** A request the API refused (4xx, exit 1), failed (5xx, exit 3) or that could not reach it (exit 3). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export type Api = ReturnType<typeof apiFor>;

/** The API named by LIFEBOAT_URL (default http://127.0.0.1:3000), authenticated with LIFEBOAT_TOKEN. */
export function apiFor(io: CliIo) {
  const env = io.env ?? process.env;
  const base = (env.LIFEBOAT_URL || DEFAULT_URL).replace(/\/+$/, '');
  const token = env.LIFEBOAT_TOKEN;
  const doFetch = io.fetch ?? fetch;

  const send = async (method: string, path: string, o: { body?: unknown; accept?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> => {
    const headers: Record<string, string> = { accept: o.accept ?? 'application/json', ...o.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), signal: o.signal });
    } catch (err) {
      throw new ApiError(`cannot reach the Lifeboat API at ${base} (${causeOf(err)}); is it running? Set LIFEBOAT_URL to its address`, EXIT.unavailable);
    }
    if (!res.ok) throw await refusal(res, method, path, Boolean(token));
    return res;
  };

  /** Sends a request and parses the JSON answer with `schema`; 204 and 202 answers need no schema. */
  const call = async <S extends z.ZodType>(schema: S, method: string, path: string, body?: unknown): Promise<z.infer<S>> => {
    const res = await send(method, path, { body });
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
  try {
    const problem: unknown = JSON.parse(text);
    if (typeof problem === 'object' && problem !== null) {
      const d: unknown = Reflect.get(problem, 'detail');
      const issues: unknown = Reflect.get(problem, 'issues');
      if (typeof d === 'string') detail = d;
      if (Array.isArray(issues) && issues.length > 1) {
        detail += issues.map((i) => `\n  ${String(Reflect.get(i, 'path'))}: ${String(Reflect.get(i, 'message'))}`).join('');
      }
    }
  } catch {
    // not problem+json: the raw text is the detail
  }
  if (res.status === 401 && !hasToken) detail += ' (set LIFEBOAT_TOKEN)';
  return new ApiError(`${method} ${path}: ${res.status} ${detail}`, res.status >= 500 ? EXIT.unavailable : EXIT.failed);
}

function causeOf(err: unknown): string {
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
