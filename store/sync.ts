import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadRunbook } from '../model/load';
import { isDuplicateKey, type Db } from './connection';
import { getRunbook, saveRunbook } from './registry';

// `runbook_files`, _id = runbook id: the hash of the file's runbook when it was last synced, and the version the
// registry had for it then. A file is stored only when it changed since then, so restarting the API never reverts
// a runbook uploaded through the API since; the registry's versions are immutable, so nothing is ever overwritten.
// Whoever can write the folder controls the deployment, so a synced file counts as an admin's upload: its command
// steps and secret references need no review.

/** The uploader the registry records for versions synced from the runbooks folder. */
export const RUNBOOKS_DIRECTORY = 'runbooks/ directory';

interface FileDoc {
  _id: string;
  file: string;
  hash: string;
  version: number;
  syncedAt: string;
}

export interface SyncResult {
  file: string;
  id?: string;
  version?: number;
  created?: boolean;
  errors?: string[];
  /** Something the operator should know: the file and the registry disagree (both versions named). */
  warning?: string;
}

/**
 * Stores the runbook files in `dir` (YAML or JSON) that changed since they were last synced; invalid files are
 * reported, not stored. A file changed while an API upload happened too is a conflict: the file becomes a new version,
 * the upload stays as the version it was, and `warning` names both.
 */
export async function syncRunbooks(db: Db, dir: string): Promise<SyncResult[]> {
  const files = readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .sort();
  const results: SyncResult[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    const text = readFileSync(file, 'utf8');
    const loaded = loadRunbook(text, { file, format: name.toLowerCase().endsWith('.json') ? 'json' : 'yaml' });
    if (!loaded.ok) {
      results.push({ file, errors: loaded.errors.map((e) => `${file}${e.line ? `:${e.line}` : ''} ${e.path}: ${e.message}`) });
      continue;
    }
    const { runbook, hash } = loaded;
    const latest = await getRunbook(db, runbook.id);
    const synced = await db.collection<FileDoc>('runbook_files').findOne({ _id: runbook.id });
    if (latest?.hash === hash) {
      await remember(db, runbook.id, file, hash, latest.version);
      results.push({ file, id: runbook.id, version: latest.version, created: false });
    } else if (latest && synced?.hash === hash) {
      // The file is as it was synced; the registry moved on through the API. That upload stands.
      results.push({ file, id: runbook.id, version: latest.version, created: false });
    } else if (latest && !synced) {
      // Never synced from a file (uploaded through the API first, or synced before files were remembered): which one
      // is newer is unknown, so the registry's stands; the file counts as synced and its next change is stored.
      await remember(db, runbook.id, file, hash, latest.version);
      results.push({
        file,
        id: runbook.id,
        version: latest.version,
        created: false,
        warning: `runbook ${runbook.id}: ${file} differs from the registry's v${latest.version}, which did not come from it; kept v${latest.version} (upload the file to replace it)`,
      });
    } else {
      const saved = await saveRunbook(db, runbook, hash, text, { uploadedBy: RUNBOOKS_DIRECTORY, policy: () => false });
      await remember(db, runbook.id, file, hash, saved.version);
      const uploaded = latest && synced && latest.version > synced.version;
      results.push({
        file,
        id: runbook.id,
        version: saved.version,
        created: saved.created,
        ...(uploaded
          ? {
              warning:
                `runbook ${runbook.id}: conflict: ${file} changed since it was synced as v${synced.version}, and v${latest.version} was uploaded through the API meanwhile; ` +
                `the file is now v${saved.version}, the upload is kept as v${latest.version} (compare them with GET /runbooks/${runbook.id}?version=${latest.version})`,
            }
          : {}),
      });
    }
  }
  return results;
}

async function remember(db: Db, id: string, file: string, hash: string, version: number): Promise<void> {
  try {
    await db.collection<FileDoc>('runbook_files').replaceOne({ _id: id }, { file, hash, version, syncedAt: new Date().toISOString() }, { upsert: true });
  } catch (err) {
    // Two API processes syncing at once: FerretDB v1 answers the slower upsert with a duplicate key; the same file won.
    if (!isDuplicateKey(err)) throw err;
  }
}
