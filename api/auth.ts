import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/connection';
import { findTokenByHash, tokenHash } from '../store/tokens';
import { HttpError } from './errors';

/** Who made a request: the token's subject and roles. */
export interface Principal {
  subject: string;
  roles: string[];
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/**
 * Resolves `Authorization: Bearer <token>` to a principal: the admin bootstrap token from the environment, or a
 * stored token (looked up by hash). No, unknown, revoked or expired token → 401.
 */
export function authenticate(db: Db, adminToken: string | undefined): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      next(new HttpError(401, 'unauthenticated', 'send a bearer token: Authorization: Bearer <token> (create one with `lifeboat token create`)'));
      return;
    }
    const found = await lookupToken(db, adminToken, tokenHash(match[1]!));
    if (!found) {
      next(new HttpError(401, 'unauthenticated', 'the bearer token is unknown or revoked'));
      return;
    }
    if ('expired' in found) {
      next(
        new HttpError(
          401,
          'token-expired',
          `the bearer token ${found.expired.name} expired at ${found.expired.at}; ask an admin for a new one (lifeboat token create --expires …)`,
        ),
      );
      return;
    }
    req.principal = found.principal;
    next();
  };
}

/**
 * The principal a token (given by its hash) speaks for: the admin bootstrap token, or a live stored token. The API's
 * bearer tokens and the console's sessions (which keep the hash) both resolve here, so both see the same roles.
 */
export async function principalOfToken(db: Db, adminToken: string | undefined, hash: string): Promise<Principal | undefined> {
  const found = await lookupToken(db, adminToken, hash);
  return found && 'principal' in found ? found.principal : undefined;
}

/** A token's principal, or the name and time of its expiry; undefined when it is unknown or revoked. */
async function lookupToken(db: Db, adminToken: string | undefined, hash: string): Promise<{ principal: Principal } | { expired: { name: string; at: string } } | undefined> {
  if (adminToken && safeEqual(hash, tokenHash(adminToken))) return { principal: { subject: 'admin', roles: ['admin'] } };
  const record = await findTokenByHash(db, hash);
  if (!record) return undefined;
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= Date.now()) return { expired: { name: record.name, at: record.expiresAt } };
  return { principal: { subject: record.subject, roles: record.roles } };
}

/** The authenticated principal of a request that passed `authenticate`. */
export function principal(req: Request): Principal {
  if (!req.principal) throw new HttpError(401, 'unauthenticated', 'send a bearer token: Authorization: Bearer <token>');
  return req.principal;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
