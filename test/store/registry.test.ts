// saveRunbook under concurrent writers, on the suite's FerretDB (or MONGODB_URI): each distinct definition gets a
// version of its own, numbers are consecutive, and saving what is already the latest version is a no-op.
import { randomUUID } from 'node:crypto';
import { validateRunbookObject } from '../../model/validate';
import { connectStore, type Store } from '../../store/connection';
import { getRunbook, listRunbooks, saveRunbook, type RunbookVersion } from '../../store/registry';

let store: Store;
beforeAll(async () => {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error("MONGODB_URI is not set: the suite's globalSetup should have set it");
  store = await connectStore(uri);
});
afterAll(async () => {
  await store?.close();
});

/** A valid definition of runbook `id`; `variant` changes its content (and so its hash). */
function definition(id: string, variant: number) {
  const loaded = validateRunbookObject({ id, title: `Variant ${variant}`, steps: [{ id: 'pause', action: 'wait', with: { duration: `${variant + 1}s` } }] });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
  return loaded;
}

const newId = () => `concurrent-${randomUUID().slice(0, 8)}`;
// Writers per runbook: below saveRunbook's 20 tries, since a writer loses at most once to each other writer.
const N = 16;
// Runbooks raced at once: more interleavings per run of the suite, each runbook within the bound above.
const RACES = 4;

/** Runs `race` for RACES fresh runbook ids at once. */
const races = (race: (id: string) => Promise<void>) => Promise.all(Array.from({ length: RACES }, () => race(newId())));

describe('saveRunbook with concurrent writers', () => {
  it('gives different definitions distinct consecutive versions, each stored as its writer was told', async () => {
    await races(async (id) => {
      const defs = Array.from({ length: N }, (_, i) => definition(id, i));
      const saved = await Promise.all(defs.map((d) => saveRunbook(store.db, d.runbook, d.hash)));
      expect(saved.every((s) => s.created)).toBe(true);
      expect(saved.map((s) => s.version).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      for (const [i, s] of saved.entries()) {
        const stored = await getRunbook(store.db, id, s.version);
        expect(stored).toMatchObject({ version: s.version, hash: defs[i]!.hash });
        expect(stored!.runbook).toEqual(defs[i]!.runbook);
      }
      // The head names the highest version, whichever writer finished last.
      const latest = await getRunbook(store.db, id);
      expect(latest?.version).toBe(N);
      expect((await listRunbooks(store.db)).find((r) => r.id === id)).toMatchObject({ latest: N, hash: latest!.hash, title: latest!.runbook.title });
      expect(await getRunbook(store.db, id, N + 1)).toBeUndefined();
    });
  });

  it('stores one version for the same definition saved many times at once', async () => {
    const id = newId();
    const d = definition(id, 0);
    const saved = await Promise.all(Array.from({ length: N }, () => saveRunbook(store.db, d.runbook, d.hash)));
    expect(saved.map((s) => s.version)).toEqual(Array(N).fill(1));
    expect(saved.filter((s) => s.created)).toHaveLength(1);
    expect(await getRunbook(store.db, id)).toMatchObject({ version: 1, hash: d.hash });
    expect(await getRunbook(store.db, id, 2)).toBeUndefined();
  });

  it('loses nothing when copies of two definitions race, and never stores one twice in a row', async () => {
    await races(async (id) => {
      const [a, b] = [definition(id, 0), definition(id, 1)];
      const writers = Array.from({ length: N }, (_, i) => (i % 2 === 0 ? a : b));
      const saved = await Promise.all(writers.map((d) => saveRunbook(store.db, d.runbook, d.hash)));
      const latest = await getRunbook(store.db, id);
      const versions: Array<RunbookVersion | undefined> = [];
      for (let v = 1; v <= latest!.version; v++) versions.push(await getRunbook(store.db, id, v));
      // Consecutive from 1 to the head: no gap, nothing stored past the head.
      expect(versions.every((v, i) => v?.version === i + 1)).toBe(true);
      expect(await getRunbook(store.db, id, latest!.version + 1)).toBeUndefined();
      // Every writer was told a version that holds its own definition.
      saved.forEach((s, i) => expect(versions[s.version - 1]?.hash).toBe(writers[i]!.hash));
      // A save equal to the latest version is a no-op, so a definition never follows itself.
      versions.slice(1).forEach((v, i) => expect(v?.hash).not.toBe(versions[i]?.hash));
      expect(new Set(versions.map((v) => v?.hash))).toEqual(new Set([a.hash, b.hash]));
    });
  });

  it('keeps the next save consecutive after a race', async () => {
    const id = newId();
    const defs = Array.from({ length: N }, (_, i) => definition(id, i));
    await Promise.all(defs.map((d) => saveRunbook(store.db, d.runbook, d.hash)));
    const next = definition(id, N);
    expect(await saveRunbook(store.db, next.runbook, next.hash)).toEqual({ version: N + 1, created: true });
    expect(await saveRunbook(store.db, next.runbook, next.hash)).toEqual({ version: N + 1, created: false });
  });

  // What a lost race leaves behind on FerretDB, set up deterministically: a late writer moved the head back, or a
  // writer died between storing version 1 and creating the head.
  it('reads past a head that a late writer moved back, and does not take an older definition for the latest', async () => {
    const id = newId();
    const defs = [0, 1, 2].map((i) => definition(id, i));
    for (const d of defs) await saveRunbook(store.db, d.runbook, d.hash);
    await store.db.collection<{ _id: string; latest: number; hash: string }>('runbooks').updateOne({ _id: id }, { $set: { latest: 1, hash: defs[0]!.hash } });
    expect(await getRunbook(store.db, id)).toMatchObject({ version: 3, hash: defs[2]!.hash });
    expect((await listRunbooks(store.db)).find((r) => r.id === id)).toMatchObject({ latest: 3, hash: defs[2]!.hash, title: 'Variant 2' });
    expect(await saveRunbook(store.db, defs[0]!.runbook, defs[0]!.hash)).toEqual({ version: 4, created: true });
  });

  it('finds a runbook whose head was never written', async () => {
    const id = newId();
    const d = definition(id, 0);
    await saveRunbook(store.db, d.runbook, d.hash);
    await store.db.collection<{ _id: string }>('runbooks').deleteOne({ _id: id });
    expect(await getRunbook(store.db, id)).toMatchObject({ version: 1, hash: d.hash });
    expect(await saveRunbook(store.db, d.runbook, d.hash)).toEqual({ version: 1, created: false });
  });
});
