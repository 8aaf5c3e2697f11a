import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/connection';
import { findToken } from '../store/tokens';
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
    const token = match[1]!;
    if (adminToken && safeEqual(token, adminToken)) {
      req.principal = { subject: 'admin', roles: ['admin'] };
      next();
      return;
    }
    const record = await findToken(db, token);
    if (!record) {
      next(new HttpError(401, 'unauthenticated', 'the bearer token is unknown or revoked'));
      return;
    }
    if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= Date.now()) {
      next(new HttpError(401, 'token-expired', `the bearer token ${record.name} expired at ${record.expiresAt}; ask an admin for a new one (lifeboat token create --expires …)`));
      return;
    }
    req.principal = { subject: record.subject, roles: record.roles };
    next();
  };
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
