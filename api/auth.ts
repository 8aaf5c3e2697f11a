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
 * stored token (looked up by hash). No or unknown token → 401.
 */
export function authenticate(db: Db, adminToken: string | undefined): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      next(new HttpError(401, 'unauthenticated', 'send a bearer token: Authorization: Bearer <token> (create one with `lifeboat token create`)'));
      return;
    }
    const found = await principalOfToken(db, adminToken, tokenHash(match[1]!));
    if (!found) {
      next(new HttpError(401, 'unauthenticated', 'the bearer token is unknown or revoked'));
      return;
    }
    req.principal = found;
    next();
  };
}

/**
 * The principal a token (given by its hash) speaks for: the admin bootstrap token, or a live stored token. The API's
 * bearer tokens and the console's sessions (which keep the hash) both resolve here, so both see the same roles.
 */
export async function principalOfToken(db: Db, adminToken: string | undefined, hash: string): Promise<Principal | undefined> {
  if (adminToken && safeEqual(hash, tokenHash(adminToken))) return { subject: 'admin', roles: ['admin'] };
  const record = await findTokenByHash(db, hash);
  return record && { subject: record.subject, roles: record.roles };
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
