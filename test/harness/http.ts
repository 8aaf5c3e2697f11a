// Tests read JSON answers loosely: the assertions are the type check.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

/** A small JSON client for one API base URL. */
export function apiClient(base: string, headers: Record<string, string> = {}) {
  const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, body: json };
  };
  return {
    get: (path: string, extra?: Record<string, string>) => call('GET', path, undefined, extra),
    post: (path: string, body?: unknown, extra?: Record<string, string>) => call('POST', path, body, extra),
    raw: call,
  };
}
