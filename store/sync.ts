import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadRunbook } from '../model/load';
import type { Db } from './connection';
import { saveRunbook } from './registry';

export interface SyncResult {
  file: string;
  id?: string;
  version?: number;
  created?: boolean;
  errors?: string[];
}

/** Stores every runbook file in `dir` (YAML or JSON) in the registry; invalid files are reported, not stored. */
export async function syncRunbooks(db: Db, dir: string): Promise<SyncResult[]> {
  const files = readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .sort();
  const results: SyncResult[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    const loaded = loadRunbook(readFileSync(file, 'utf8'), { file, format: name.toLowerCase().endsWith('.json') ? 'json' : 'yaml' });
    if (!loaded.ok) {
      results.push({ file, errors: loaded.errors.map((e) => `${file}${e.line ? `:${e.line}` : ''} ${e.path}: ${e.message}`) });
      continue;
    }
    const saved = await saveRunbook(db, loaded.runbook, loaded.hash, readFileSync(file, 'utf8'));
    results.push({ file, id: loaded.runbook.id, version: saved.version, created: saved.created });
  }
  return results;
}
