import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Db } from './connection';

/**
 * A console sign-in. It keeps the hash of the API token the person signed in with, never the token: every request
 * resolves that hash to the token's current subject and roles, so revoking the token ends the session at once.
 */
export const ConsoleSession = z.object({
  tokenHash: z.string(),
  csrf: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type ConsoleSession = z.infer<typeof ConsoleSession>;

type SessionDoc = ConsoleSession & { _id: string };

const sessions = (db: Db) => db.collection<SessionDoc>('console_sessions');

// Stored under the hash of the cookie's value, so a read of the collection does not hand out live sessions.
const idOf = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex');

export async function saveSession(db: Db, sessionId: string, session: ConsoleSession): Promise<void> {
  await sessions(db).insertOne({ _id: idOf(sessionId), ...session });
}

/**
 * The live session for a cookie's value. FerretDB v1 has no TTL indexes, so expiry is checked here, on every read,
 * and an expired session is deleted when it is next presented.
 */
export async function findSession(db: Db, sessionId: string, now = new Date()): Promise<ConsoleSession | undefined> {
  const doc = await sessions(db).findOne({ _id: idOf(sessionId) });
  if (!doc) return undefined;
  const { _id, ...rest } = doc;
  const session = ConsoleSession.safeParse(rest);
  if (!session.success || Date.parse(session.data.expiresAt) <= now.getTime()) {
    await sessions(db).deleteOne({ _id });
    return undefined;
  }
  return session.data;
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await sessions(db).deleteOne({ _id: idOf(sessionId) });
}
