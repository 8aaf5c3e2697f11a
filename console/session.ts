import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { principalOfToken } from '../api/auth';
import { HttpError } from '../api/errors';
import type { Db } from '../store/connection';
import { deleteSession, findSession, saveSession } from '../store/sessions';
import { tokenHash } from '../store/tokens';

// Console sign-in: a person presents an API token once; the console keeps a session (MongoDB, expiring) and resolves
// it on every request to the principal that token speaks for now (api/auth.ts), so the console and the API agree on
// who someone is and which roles they hold. Later sign-in methods (SSO) only need to produce the same session.

export const SESSION_COOKIE = 'lifeboat_session';
/** How long a sign-in lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

/** The signed-in person's session: its id (the cookie's value) and the CSRF token every form must send back. */
export interface ConsoleVisit {
  sessionId: string;
  csrf: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    visit?: ConsoleVisit;
  }
}

export interface SessionDeps {
  db: Db;
  adminToken?: string;
}

/** Reads the session cookie and, when it names a live session whose token still works, sets `req.principal` and `req.visit`. */
export function readSession(deps: SessionDeps): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const id = cookie(req, SESSION_COOKIE);
    if (id) {
      const session = await findSession(deps.db, id);
      const who = session && (await principalOfToken(deps.db, deps.adminToken, session.tokenHash));
      if (session && who) {
        req.principal = who;
        req.visit = { sessionId: id, csrf: session.csrf };
      }
    }
    next();
  };
}

/** Starts a session for `token`; undefined when the token is unknown or revoked. */
export async function signIn(deps: SessionDeps, req: Request, res: Response, token: string): Promise<boolean> {
  const hash = tokenHash(token);
  if (!(await principalOfToken(deps.db, deps.adminToken, hash))) return false;
  const sessionId = randomBytes(32).toString('base64url');
  const now = Date.now();
  await saveSession(deps.db, sessionId, {
    tokenHash: hash,
    csrf: randomBytes(24).toString('base64url'),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + SESSION_MS).toISOString(),
  });
  res.cookie(SESSION_COOKIE, sessionId, { httpOnly: true, sameSite: 'strict', secure: isHttps(req), path: '/', maxAge: SESSION_MS });
  return true;
}

/** Ends the session of this request (if any) and clears its cookie. */
export async function signOut(deps: SessionDeps, req: Request, res: Response): Promise<void> {
  if (req.visit) await deleteSession(deps.db, req.visit.sessionId);
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: isHttps(req), path: '/' });
}

/**
 * Refuses a state-changing request sent from another origin: its Origin (or, without one, its Referer) must name this
 * host, and a signed-in request must carry the session's CSRF token in the `_csrf` field.
 */
export function checkForgery(req: Request, form: Record<string, unknown>): void {
  const from = req.get('origin') ?? req.get('referer');
  const host = req.get('x-forwarded-host') ?? req.get('host');
  if (from !== undefined && hostOf(from) !== host) {
    throw new HttpError(403, 'cross-origin', `refused: this form was sent from ${from}, not from the console at ${host ?? 'this host'}`);
  }
  if (!req.visit) return;
  const sent = typeof form._csrf === 'string' ? form._csrf : '';
  const a = Buffer.from(sent);
  const b = Buffer.from(req.visit.csrf);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(403, 'csrf', 'refused: the form did not carry this session’s CSRF token; reload the page and try again');
  }
}

/** A place to return to after sign-in: a path on this site, never another site (`//evil.example`, `https://…`). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

// Behind a TLS-terminating proxy the request arrives as http; the proxy says so in X-Forwarded-Proto. Trusting it
// here can only make the cookie stricter.
function isHttps(req: Request): boolean {
  return req.secure || req.get('x-forwarded-proto') === 'https';
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim());
  }
  return undefined;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
