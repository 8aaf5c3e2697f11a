import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { silentLogger, type Logger } from '../logging/logger';
import type { Db } from '../store/connection';
import { sweepRateCounters, takeRateSlot } from '../store/rate';
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

/** The rate limit's middleware; `stop` ends its background sweep (the app calls it when its server closes). */
export type RateLimit = RequestHandler & { stop(): void };

/**
 * Per-token rate limit on mutating requests, shared by every API process on the store: each token may make `burst`
 * changes per window of `burst / perMinute` minutes (so `perMinute` a minute on average, and at most twice `burst` in
 * a row across a window's end), counted in MongoDB (store/rate.ts). Beyond, 429 with Retry-After (the window's end).
 * Runs after authentication, so only a valid token spends (or owns) a counter. Fails closed: when the count cannot
 * be stored the request is 503 store-unavailable, as every mutating route needs the store anyway.
 */
export function rateLimit(db: Db, o: { perMinute: number; burst: number }, deps: { logger?: Logger; now?: () => number } = {}): RateLimit {
  const windowMs = Math.max(1000, Math.round((o.burst / o.perMinute) * 60_000));
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  let swept = 0;
  let stopped = false;
  const handler: RequestHandler = (req, res, next) => {
    if (o.perMinute === 0 || !MUTATING.has(req.method)) return next();
    const t = now();
    const window = Math.floor(t / windowMs);
    const ends = (window + 1) * windowMs;
    // Counters of ended windows are deleted at most once a minute per process, off the request's path. One still
    // running when the server closes loses its store mid-way (MongoNotConnectedError): that is the shutdown, not a fault.
    if (!stopped && t - swept > 60_000) {
      swept = t;
      sweepRateCounters(db, new Date(t - windowMs)).catch((err: unknown) =>
        stopped ? logger.debug({ err }, 'rate counter sweep ended by shutdown') : logger.warn({ err }, 'sweeping rate counters failed'),
      );
    }
    takeRateSlot(db, tokenHash(req.headers.authorization ?? ''), window, new Date(ends), o.burst).then((slot) => {
      if (slot !== undefined) return next();
      const retryAfter = Math.max(1, Math.ceil((ends - t) / 1000));
      res.setHeader('Retry-After', String(retryAfter));
      next(
        new HttpError(
          429,
          'rate-limited',
          `this token made more than ${o.burst} changes within ${Math.round(windowMs / 1000)} s (LIFEBOAT_RATE_BURST per LIFEBOAT_RATE_BURST / LIFEBOAT_RATE_LIMIT minutes, counted across all API processes); retry in ${retryAfter} s`,
        ),
      );
    }, next);
  };
  return Object.assign(handler, { stop: () => void (stopped = true) });
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
