// Every outbound HTTP request of a step or a webhook goes through here: the egress policy is checked on the
// addresses a host name resolves to (at connect time, so a DNS answer cannot change between check and use) and on
// every redirect, which is followed by hand; bodies are read as a stream up to a cap, within a time limit.
import { ApplicationFailure } from '@temporalio/activity';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net, { BlockList } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Config } from '../config';
import { FAILURE } from '../contract/names';
import { tracedExchange } from '../tracing/outbound';

/** Denied unless LIFEBOAT_EGRESS_ALLOW allows them: link-local (cloud metadata lives there), loopback, "this host". */
export const BUILTIN_DENY = ['169.254.0.0/16', 'fe80::/10', '127.0.0.0/8', '::1/128', '0.0.0.0/8', '::/128', 'fd00:ec2::254/128', '100.100.100.200/32'];
/** Denied whatever LIFEBOAT_EGRESS_ALLOW says, unless it names them exactly: the cloud metadata services. */
const METADATA = ['169.254.169.254/32', 'fd00:ec2::254/128', '100.100.100.200/32', '169.254.170.2/32'];

export interface EgressPolicy {
  /** Why the address may not be reached, or undefined when it may. */
  denies(address: string): string | undefined;
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits] = cidr.split('/');
    const type = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    list.addSubnet(address, bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits), type);
  }
  return list;
}

/**
 * LIFEBOAT_EGRESS_DENY wins over LIFEBOAT_EGRESS_ALLOW, which wins over the built-in list (BUILTIN_DENY); a cloud
 * metadata address is reachable only when LIFEBOAT_EGRESS_ALLOW lists it exactly.
 */
export function egressPolicy(config: Pick<Config, 'LIFEBOAT_EGRESS_ALLOW' | 'LIFEBOAT_EGRESS_DENY'>): EgressPolicy {
  const deny = blockList(config.LIFEBOAT_EGRESS_DENY);
  const allow = blockList(config.LIFEBOAT_EGRESS_ALLOW);
  const builtin = blockList(BUILTIN_DENY);
  const metadata = blockList(METADATA);
  const exact = blockList(config.LIFEBOAT_EGRESS_ALLOW.filter((c) => c.endsWith('/32') || c.endsWith('/128') || !c.includes('/')));
  return {
    denies(address) {
      const type = net.isIPv6(address) ? 'ipv6' : 'ipv4';
      if (deny.check(address, type)) return `${address} is denied by LIFEBOAT_EGRESS_DENY`;
      if (metadata.check(address, type) && !exact.check(address, type)) return `${address} is a cloud metadata address, denied unless LIFEBOAT_EGRESS_ALLOW lists it exactly`;
      if (allow.check(address, type)) return undefined;
      if (builtin.check(address, type)) return `${address} is a link-local, loopback or unspecified address, denied unless LIFEBOAT_EGRESS_ALLOW allows it`;
      return undefined;
    },
  };
}

export interface OutboundRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}
export interface OutboundAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The URL that answered (after redirects). */
  url: string;
}
export interface OutboundOptions {
  policy: EgressPolicy;
  /** The step's (or delivery's) own end; the request ends there too. */
  signal: AbortSignal;
  maxBodyBytes: number;
  timeoutMs: number;
  /** Redirects followed (0: a 3xx is the answer). */
  maxRedirects: number;
  /** Header names (lower case) that carry secrets: dropped when a redirect leaves the origin. */
  secretHeaders?: ReadonlySet<string>;
  /** The body carries a secret: a redirect that would resend it to another origin is refused. */
  secretBody?: boolean;
  /** Whether to read the answer's body for a status (default: always); an unread body is discarded, whatever its size. */
  readBody?: (status: number) => boolean;
}

class EgressDenied extends Error {}

/**
 * One request (and its redirects) under the egress policy; throws an ApplicationFailure saying why no answer came,
 * without the URL (it may be a credential): callers name the request their own way.
 */
export async function sendOutbound(req: OutboundRequest, o: OutboundOptions): Promise<OutboundAnswer> {
  const limit = AbortSignal.timeout(o.timeoutMs);
  const signal = AbortSignal.any([o.signal, limit]);
  let current = { ...req, headers: { ...req.headers } };
  for (let hop = 0; ; hop++) {
    const url = parseUrl(current);
    const res = await exchange(current, url, o, signal, limit);
    const location = res.headers.location;
    if (hop >= o.maxRedirects || ![301, 302, 303, 307, 308].includes(res.status) || location === undefined) return res;
    const next = new URL(location, url);
    const keepsBody = res.status === 307 || res.status === 308;
    const sameOrigin = next.origin === url.origin;
    if (!sameOrigin && keepsBody && current.body !== undefined && o.secretBody) {
      throw ApplicationFailure.nonRetryable(`was redirected to ${next.origin}, another origin, with a body that carries a secret; not followed`, FAILURE.secretHostDenied);
    }
    const headers = { ...current.headers };
    if (!sameOrigin) {
      for (const name of Object.keys(headers)) {
        const lower = name.toLowerCase();
        if (o.secretHeaders?.has(lower) || ['authorization', 'cookie', 'proxy-authorization'].includes(lower)) delete headers[name];
      }
    }
    if (!keepsBody) for (const name of Object.keys(headers)) if (['content-type', 'content-length'].includes(name.toLowerCase())) delete headers[name];
    const method = keepsBody || current.method === 'HEAD' ? current.method : 'GET';
    current = { method, url: next.toString(), headers, body: keepsBody ? current.body : undefined };
  }
}

function parseUrl(req: OutboundRequest): URL {
  let url: URL;
  try {
    url = new URL(req.url.trim());
  } catch {
    throw ApplicationFailure.nonRetryable('not a valid URL', FAILURE.httpError);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw ApplicationFailure.nonRetryable(`only http and https URLs are allowed, not ${url.protocol}`, FAILURE.httpError);
  return url;
}

function exchange(req: OutboundRequest, url: URL, o: OutboundOptions, signal: AbortSignal, limit: AbortSignal): Promise<OutboundAnswer> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const denied = (why: string) => ApplicationFailure.nonRetryable(`${url.origin} is refused by the egress policy: ${why}`, FAILURE.egressDenied);
  // A literal address is never looked up, so it is checked here; a name is checked on what it resolves to.
  if (net.isIP(host)) {
    const why = o.policy.denies(host);
    if (why) return Promise.reject(denied(why));
  }
  const lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      for (const a of addresses) {
        const why = o.policy.denies(a.address);
        if (why) return callback(new EgressDenied(`${hostname} resolves to ${why}`), '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, list: dns.LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
  const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...req.headers };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  const client = url.protocol === 'https:' ? https : http;
  return tracedExchange(
    req.method,
    url,
    headers,
    () =>
      new Promise<OutboundAnswer>((resolve, reject) => {
        const fail = (err: unknown) => {
          if (o.signal.aborted) return reject(o.signal.reason);
          if (err instanceof EgressDenied) return reject(denied(err.message));
          if (limit.aborted) return reject(ApplicationFailure.retryable(`no complete answer within ${o.timeoutMs} ms (LIFEBOAT_HTTP_TIMEOUT)`, FAILURE.httpError));
          if (err instanceof ApplicationFailure) return reject(err);
          reject(ApplicationFailure.retryable(err instanceof Error ? err.message : String(err), FAILURE.httpError));
        };
        const request = client.request(url, { method: req.method, headers, lookup, signal, agent: false }, (res) => {
          if (o.readBody && !o.readBody(res.statusCode ?? 0)) {
            res.destroy();
            return resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), text: '', url: url.toString() });
          }
          readCapped(decoded(res), o.maxBodyBytes).then(
            (text) => resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), text, url: url.toString() }),
            (err: unknown) => {
              res.destroy();
              fail(
                err instanceof TooLarge
                  ? ApplicationFailure.retryable(`the answer's body is larger than ${o.maxBodyBytes} bytes (LIFEBOAT_HTTP_MAX_BODY)`, FAILURE.httpError)
                  : err,
              );
            },
          );
        });
        request.on('error', fail);
        request.end(req.body);
      }),
  );
}

class TooLarge extends Error {}

function decoded(res: http.IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  // The cap applies to the decoded body, so a small compressed answer cannot inflate past it.
  const inflate =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (inflate === undefined) return res;
  res.on('error', (err) => inflate.destroy(err));
  return res.pipe(inflate);
}

async function readCapped(stream: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > max) {
      stream.destroy();
      throw new TooLarge();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
