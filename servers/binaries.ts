import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Must match tools/install-servers.sh, which builds these.
export const TEMPORAL_VERSION = 'v1.5.1';
export const FERRETDB_VERSION = 'v1.24.2';
/** Lifeboat's build of it carries tools/ferretdb/sqlite-id-index.patch; a new label keeps older builds apart. */
export const FERRETDB_BUILD = `${FERRETDB_VERSION}-lifeboat.1`;

function cacheDir(): string {
  return process.env.LIFEBOAT_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'lifeboat');
}

/** Path of a locally built server binary, or an error telling how to build it. */
export function serverBinary(which: 'temporal' | 'ferretdb'): string {
  const file = which === 'temporal' ? path.join(cacheDir(), `temporal-${TEMPORAL_VERSION}`, 'temporal') : path.join(cacheDir(), `ferretdb-${FERRETDB_BUILD}`, 'ferretdb');
  if (!existsSync(file)) {
    const env = which === 'temporal' ? 'TEMPORAL_ADDRESS' : 'MONGODB_URI';
    throw new Error(`${file} is missing: run 'npm run servers' to build it, or set ${env} to a server you run`);
  }
  return file;
}
