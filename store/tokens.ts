import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { perStore } from './coalesce';
import { isDuplicateKey, type Db } from './connection';

/** A bearer token's identity: who it speaks for and which roles it holds. Only its hash is stored. */
export const TokenRecord = z.object({
  name: z.string(),
  subject: z.string(),
  roles: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  /** After this time the token is refused (401 naming the expiry); absent = it never expires. */
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
});
export type TokenRecord = z.infer<typeof TokenRecord>;

type TokenDoc = TokenRecord & { _id: string };

const tokenReads = perStore<Db, TokenDoc | null>();

/** SHA-256 of a token: the _id it is stored and looked up under (a point lookup, never a scan). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

// `token_names`, _id = token name → the token's hash: names are unique among live tokens, and revoking by name is
// a point lookup (FerretDB v1 indexes nothing but _id).
type NameDoc = { _id: string; hash: string };

/** Creates a token and returns its only plain-text copy; undefined when a live token already has this name. */
export async function createToken(
  db: Db,
  o: { name: string; subject?: string; roles: string[]; createdBy: string; expiresAt?: string },
): Promise<{ token: string; record: TokenRecord } | undefined> {
  const token = `lb_${randomBytes(32).toString('base64url')}`;
  const hash = tokenHash(token);
  try {
    await db.collection<NameDoc>('token_names').insertOne({ _id: o.name, hash });
  } catch (err) {
    if (isDuplicateKey(err)) return undefined;
    throw err;
  }
  const record: TokenRecord = {
    name: o.name,
    subject: o.subject ?? o.name,
    roles: o.roles,
    createdAt: new Date().toISOString(),
    createdBy: o.createdBy,
    ...(o.expiresAt === undefined ? {} : { expiresAt: o.expiresAt }),
  };
  await db.collection<TokenDoc>('tokens').insertOne({ _id: hash, ...record });
  return { token, record };
}

/** Revokes the live token named `name` (it stops working at once); false when there is none. */
export async function revokeToken(db: Db, name: string): Promise<boolean> {
  const names = db.collection<NameDoc>('token_names');
  const entry = await names.findOne({ _id: name });
  if (!entry) return false;
  // Revoke first, then free the name: a crash in between leaves the name taken, never a live token unnamed.
  await db.collection<TokenDoc>('tokens').updateOne({ _id: entry.hash }, { $set: { revokedAt: new Date().toISOString() } });
  await names.deleteOne({ _id: name });
  return true;
}

/** Every live token's record, by name; never hashes or tokens. Scans the (small) collection. */
export async function listTokens(db: Db): Promise<TokenRecord[]> {
  const docs = await db.collection<TokenDoc>('tokens').find({}).toArray();
  return docs
    .filter((d) => !d.revokedAt)
    .map(({ _id, ...record }) => TokenRecord.parse(record))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The live (not revoked) token record for a presented token, if any; the caller checks `expiresAt`. */
export async function findToken(db: Db, token: string): Promise<TokenRecord | undefined> {
  return findTokenByHash(db, tokenHash(token));
}

/** The live token record stored under a token's hash (what a console session keeps), if any. */
export async function findTokenByHash(db: Db, hash: string): Promise<TokenRecord | undefined> {
  // Every request of a burst with one token reads the same document: concurrent lookups share a read sent after they
  // came (store/coalesce.ts), so a token revoked before a request arrives is refused to it, in every API process.
  const tokens = db.collection<TokenDoc>('tokens');
  const doc = await tokenReads(db).read(hash, () => tokens.findOne({ _id: hash }));
  if (!doc || doc.revokedAt) return undefined;
  const { _id, ...record } = doc;
  return TokenRecord.parse(record);
}
