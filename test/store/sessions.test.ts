import { randomUUID } from 'node:crypto';
import { connectStore, type Store } from '../../store/connection';
import { deleteSession, findSession, saveSession } from '../../store/sessions';

// Console sessions in FerretDB v1, which has no TTL indexes: expiry is enforced on read.

let store: Store;
beforeAll(async () => {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error("MONGODB_URI is not set: the suite's globalSetup should have set it");
  store = await connectStore(uri);
});
afterAll(() => store.close());

const session = (expiresAt: string) => ({ tokenHash: 'h', csrf: 'c', createdAt: new Date().toISOString(), expiresAt });

describe('console sessions', () => {
  it('finds a live session by the cookie value, and never stores that value', async () => {
    const id = randomUUID();
    await saveSession(store.db, id, session(new Date(Date.now() + 60_000).toISOString()));
    expect(await findSession(store.db, id)).toMatchObject({ tokenHash: 'h', csrf: 'c' });
    expect(await store.db.collection('console_sessions').countDocuments({ _id: id as never })).toBe(0);
  });

  it('treats a session past its expiry as gone, and deletes it', async () => {
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    await saveSession(store.db, id, session(expiresAt));
    expect(await findSession(store.db, id, new Date(Date.parse(expiresAt) + 1))).toBeUndefined();
    expect(await findSession(store.db, id)).toBeUndefined(); // deleted, not just hidden
  });

  it('forgets a session once signed out', async () => {
    const id = randomUUID();
    await saveSession(store.db, id, session(new Date(Date.now() + 60_000).toISOString()));
    await deleteSession(store.db, id);
    expect(await findSession(store.db, id)).toBeUndefined();
  });
});
