import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uploadRunbook } from '../../catalog/service';
import { connectStore, type Store } from '../../store/connection';
import { getRunbook } from '../../store/registry';
import { syncRunbooks } from '../../store/sync';

let store: Store;
beforeAll(async () => {
  store = await connectStore(process.env.MONGODB_URI!);
});
afterAll(async () => {
  await store?.close();
});

const source = (id: string, title: string) => `id: ${id}\ntitle: ${title}\nsteps:\n  - id: pause\n    action: wait\n    with: { duration: 1s }\n`;

/** A runbooks/ folder of its own holding one runbook file, and the runbook's id. */
function folder() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sync-'));
  const id = `sync-${randomUUID().slice(0, 8)}`;
  const file = path.join(dir, `${id}.yaml`);
  return { dir, id, file, write: (title: string) => writeFileSync(file, source(id, title)) };
}

const sync = async (dir: string) => {
  const results = await syncRunbooks(store.db, dir);
  expect(results).toHaveLength(1);
  return results[0]!;
};
const AUTHOR = { subject: 'test', roles: ['author'] };
const latestTitle = async (id: string) => (await getRunbook(store.db, id))?.runbook.title;

describe('syncing the runbooks folder', () => {
  it('keeps a runbook uploaded through the API when the file did not change, and names both versions when it did', async () => {
    const f = folder();
    f.write('from the file');
    expect(await sync(f.dir)).toMatchObject({ id: f.id, version: 1, created: true });
    await expect(uploadRunbook(store.db, source(f.id, 'uploaded'), 'yaml', AUTHOR, 'admin')).resolves.toMatchObject({ version: 2, created: true });

    // Restarting the API syncs again: the upload stands, quietly.
    for (let restart = 0; restart < 2; restart++) {
      const again = await sync(f.dir);
      expect(again).toMatchObject({ id: f.id, version: 2, created: false });
      expect(again.warning).toBeUndefined();
      expect(await latestTitle(f.id)).toBe('uploaded');
    }

    // The file changes too: it becomes a new version, and the conflict names the upload and the file's version.
    f.write('edited file');
    const conflict = await sync(f.dir);
    expect(conflict).toMatchObject({ id: f.id, version: 3, created: true });
    expect(conflict.warning).toMatch(
      new RegExp(
        `runbook ${f.id}: conflict: .*${path.basename(f.file)} changed since it was synced as v1, and v2 was uploaded through the API meanwhile; the file is now v3, the upload is kept as v2`,
      ),
    );
    expect(await latestTitle(f.id)).toBe('edited file');
    expect((await getRunbook(store.db, f.id, 2))?.runbook.title).toBe('uploaded');
    const settled = await sync(f.dir);
    expect(settled).toMatchObject({ version: 3, created: false });
    expect(settled.warning).toBeUndefined();
  });

  it('stores a changed file as a new version, without a conflict when nothing was uploaded', async () => {
    const f = folder();
    f.write('one');
    expect(await sync(f.dir)).toMatchObject({ version: 1, created: true });
    expect(await sync(f.dir)).toMatchObject({ version: 1, created: false });
    f.write('two');
    const changed = await sync(f.dir);
    expect(changed).toMatchObject({ version: 2, created: true });
    expect(changed.warning).toBeUndefined();
    expect(await latestTitle(f.id)).toBe('two');
  });

  it('keeps a runbook that was uploaded before its file appeared, says so once, and stores the file’s next change', async () => {
    const f = folder();
    await uploadRunbook(store.db, source(f.id, 'uploaded first'), 'yaml', AUTHOR, 'admin');
    f.write('file');
    const first = await sync(f.dir);
    expect(first).toMatchObject({ version: 1, created: false });
    expect(first.warning).toMatch(/differs from the registry's v1, which did not come from it; kept v1/);
    expect(await latestTitle(f.id)).toBe('uploaded first');
    expect((await sync(f.dir)).warning).toBeUndefined();
    f.write('file, edited');
    expect(await sync(f.dir)).toMatchObject({ version: 2, created: true });
    expect(await latestTitle(f.id)).toBe('file, edited');
  });

  it('reports an invalid file and stores nothing from it', async () => {
    const f = folder();
    writeFileSync(f.file, `id: ${f.id}\nsteps: []\n`);
    const result = await sync(f.dir);
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(await getRunbook(store.db, f.id)).toBeUndefined();
  });
});
