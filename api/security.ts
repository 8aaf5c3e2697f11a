import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { tokenHash } from '../store/tokens';
import { HttpError } from './errors';

/** The API's protective limits, from the configuration (see README, "Configuration"). */
export interface ApiSecurity {
  runbookReview: 'admin' | 'required';
  /** Mutating requests per token per minute (0 = no limit) and the burst allowed before that pace applies. */
  rateLimit: { perMinute: number; burst: number };
  /** Event streams open at once, per token and in all. */
  sse: { perToken: number; total: number };
  /** Send Strict-Transport-Security: the API is reached over https (LIFEBOAT_PUBLIC_URL says so). */
  hsts: boolean;
}

export const DEFAULT_SECURITY: ApiSecurity = { runbookReview: 'admin', rateLimit: { perMinute: 600, burst: 120 }, sse: { perToken: 10, total: 200 }, hsts: false };

/** The API's limits as configured. */
export function apiSecurity(config: Config): ApiSecurity {
  return {
    runbookReview: config.LIFEBOAT_RUNBOOK_REVIEW,
    rateLimit: { perMinute: config.LIFEBOAT_RATE_LIMIT, burst: config.LIFEBOAT_RATE_BURST },
    sse: { perToken: config.LIFEBOAT_SSE_PER_TOKEN, total: config.LIFEBOAT_SSE_TOTAL },
    hsts: config.LIFEBOAT_PUBLIC_URL?.startsWith('https://') === true,
  };
}

// The API serves JSON, one HTML page (GET /docs) and its own assets: nothing may frame it, load from elsewhere or
// guess content types. A request that arrived over https (directly, or as a proxy says) also gets HSTS.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Security headers on every answer: CSP, nosniff, no framing, no referrer, and HSTS behind https. */
export function securityHeaders(o: { hsts: boolean }): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (o.hsts || req.secure || req.get('x-forwarded-proto') === 'https') res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Per-token rate limit on mutating requests: a token bucket per bearer token (kept in memory, by the token's hash),
 * `burst` deep and refilled at `perMinute`. An empty bucket is 429 with Retry-After. Runs after authentication, so
 * only a valid token spends (or owns) a bucket.
 */
export function rateLimit(o: { perMinute: number; burst: number }, now: () => number = Date.now): RequestHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = o.perMinute / 60_000;
  return (req, res, next) => {
    if (o.perMinute === 0 || !MUTATING.has(req.method)) return next();
    const key = tokenHash(req.headers.authorization ?? '');
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: o.burst, at: t };
    bucket.tokens = Math.min(o.burst, bucket.tokens + (t - bucket.at) * perMs);
    bucket.at = t;
    buckets.set(key, bucket);
    if (buckets.size > 10_000) forgetFull(buckets, o.burst, perMs, t);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return next();
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    res.setHeader('Retry-After', String(retryAfter));
    next(
      new HttpError(
        429,
        'rate-limited',
        `this token made more than ${o.burst} changes in a burst or ${o.perMinute} a minute (LIFEBOAT_RATE_LIMIT, LIFEBOAT_RATE_BURST); retry in ${retryAfter} s`,
      ),
    );
  };
}

// Buckets that have refilled completely are the same as no bucket: dropped, so memory stays bounded by active tokens.
function forgetFull(buckets: Map<string, { tokens: number; at: number }>, burst: number, perMs: number, t: number): void {
  for (const [key, b] of buckets) if (b.tokens + (t - b.at) * perMs >= burst) buckets.delete(key);
}

/** Counts open event streams per token and in all; `open` answers a release function, or throws 429 / 503. */
export class StreamLimiter {
  private total = 0;
  private readonly byToken = new Map<string, number>();
  constructor(private readonly o: { perToken: number; total: number }) {}

  open(authorization: string | undefined): () => void {
    const key = tokenHash(authorization ?? '');
    const mine = this.byToken.get(key) ?? 0;
    if (mine >= this.o.perToken) {
      throw new HttpError(429, 'too-many-streams', `this token has ${mine} event streams open, the most allowed (LIFEBOAT_SSE_PER_TOKEN); close one first`);
    }
    if (this.total >= this.o.total) throw new HttpError(503, 'too-many-streams', `the API has ${this.total} event streams open, its limit (LIFEBOAT_SSE_TOTAL); retry later`);
    this.total++;
    this.byToken.set(key, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byToken.get(key) ?? 1) - 1;
      if (left > 0) this.byToken.set(key, left);
      else this.byToken.delete(key);
    };
  }
}
