import { randomUUID } from 'node:crypto';
import type { Lifeboat } from '../../servers/lifeboat';
import { createToken } from '../../store/tokens';
import { apiClient } from './http';

/** Creates a stored token with `roles` under a unique name; returns the token and its subject. */
export async function tokenWith(lb: Lifeboat, roles: string[], subject?: string): Promise<{ token: string; subject: string }> {
  const name = `test-${roles.join('-') || 'none'}-${randomUUID().slice(0, 8)}`;
  const created = await createToken(lb.store.db, { name, roles, subject, createdBy: 'test' });
  if (!created) throw new Error(`token name ${name} is taken`);
  return { token: created.token, subject: created.record.subject };
}

/** An API client authenticated with a fresh token holding `roles`. */
export async function clientWith(lb: Lifeboat, roles: string[], subject?: string) {
  const { token } = await tokenWith(lb, roles, subject);
  return apiClient(lb.url, { authorization: `Bearer ${token}` });
}
