import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../store/connection';
import { createToken, listTokens, revokeToken, TokenRecord } from '../../store/tokens';
import { principal } from '../auth';
import { HttpError } from '../errors';
import { addRoute } from '../route';

const TokenName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/, 'use 1 to 100 letters, digits, ., _, @ or -, starting with a letter or digit');
// Built-in roles (viewer, operator, author, admin) or the approver roles runbooks name (dba, incident-commander…).
const TokenRole = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9-_]*$/i, 'expected a role name such as operator or dba');

// A lifetime such as 30d, 12h or 90m: at least a minute, at most ten years.
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const Lifetime = z
  .string()
  .regex(/^[1-9][0-9]{0,6}[mhd]$/, 'expected a lifetime such as 30d, 12h or 90m')
  .transform((v) => Number(v.slice(0, -1)) * (UNIT_MS[v.slice(-1)] ?? 0))
  .refine((ms) => ms <= 3650 * 86_400_000, 'expected at most 3650d');

const CreateTokenBody = z.strictObject({
  name: TokenName,
  roles: z.array(TokenRole).min(1, 'give the token at least one role').max(50),
  subject: z.string().min(1).max(200).optional().meta({ description: 'Who the token speaks for (default: its name); approvals are recorded under it.' }),
  expiresIn: Lifetime.optional().meta({ description: 'How long the token works, e.g. 30d, 12h or 90m (default: until revoked).' }),
});
const CreatedToken = z
  .object({
    token: z.string().meta({ description: 'Shown once; only its hash is stored.' }),
    name: z.string(),
    subject: z.string(),
    roles: z.array(z.string()),
    expiresAt: z.string().optional(),
  })
  .meta({ id: 'CreatedToken' });
const TokenInfo = TokenRecord.omit({ revokedAt: true }).meta({ id: 'TokenInfo' });
const TokenList = z.object({ tokens: z.array(TokenInfo) }).meta({ id: 'TokenList' });

/** Create, list and revoke bearer tokens (admin only). */
export function tokensRouter(db: Db): Router {
  const router = Router();

  addRoute(
    router,
    {
      method: 'post',
      path: '/tokens',
      operationId: 'createToken',
      tag: 'tokens',
      access: 'admin',
      summary: 'Create a token; the answer is the only time it is shown',
      body: CreateTokenBody,
      bodyExample: { name: 'alice', roles: ['operator', 'dba'], expiresIn: '30d' },
      responses: { 201: { description: 'Created.', schema: CreatedToken }, 409: { description: 'A live token already has this name.' } },
    },
    async ({ body, req, res }) => {
      const { expiresIn, ...rest } = body;
      const expiresAt = expiresIn === undefined ? undefined : new Date(Date.now() + expiresIn).toISOString();
      const created = await createToken(db, { ...rest, expiresAt, createdBy: principal(req).subject });
      if (!created) throw new HttpError(409, 'conflict', `a token named ${body.name} exists; revoke it (DELETE /tokens/${body.name}) or choose another name`);
      const { record } = created;
      res.status(201).json({ token: created.token, name: record.name, subject: record.subject, roles: record.roles, ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}) });
    },
  );

  addRoute(
    router,
    {
      method: 'get',
      path: '/tokens',
      operationId: 'listTokens',
      tag: 'tokens',
      access: 'admin',
      summary: 'Live tokens: names, subjects, roles and creation (never the tokens or their hashes)',
      responses: { 200: { description: 'The tokens, by name.', schema: TokenList } },
    },
    async ({ res }) => {
      const tokens = (await listTokens(db)).map(({ revokedAt: _r, ...t }) => t);
      res.json({ tokens });
    },
  );

  addRoute(
    router,
    {
      method: 'delete',
      path: '/tokens/:name',
      operationId: 'revokeToken',
      tag: 'tokens',
      access: 'admin',
      summary: 'Revoke a token: it stops working at once',
      params: z.object({ name: TokenName }),
      responses: { 204: { description: 'Revoked.' }, 404: { description: 'No live token has this name.' } },
    },
    async ({ params, res }) => {
      if (!(await revokeToken(db, params.name))) throw new HttpError(404, 'not-found', `no live token is named ${params.name}; list them with GET /tokens`);
      res.status(204).end();
    },
  );

  return router;
}
