import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RunbookResult } from '../model/issue';
import { loadRunbook, MAX_SOURCE_BYTES } from '../model/load';

/** Reads and validates one runbook file; unreadable and oversized files become ordinary errors. */
export function loadRunbookFile(file: string, cwd: string = process.cwd()): RunbookResult {
  const absolute = path.resolve(cwd, file);
  try {
    // Checked before reading, so pointing the CLI at a huge file does not load it into memory.
    const { size } = statSync(absolute);
    if (size > MAX_SOURCE_BYTES) {
      return { ok: false, errors: [{ path: '', message: `the file is ${size} bytes, over the 1 MiB limit; split it into child runbooks` }] };
    }
    return loadRunbook(readFileSync(absolute, 'utf8'), { file });
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `cannot read the file: ${reason(err)}` }] };
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};

// Checked structurally: fs errors are not always instances of this realm's Error (under jest, for one).
function reason(err: unknown): string {
  const code: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
  if (typeof code === 'string' && REASONS[code] !== undefined) return REASONS[code];
  const message: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'message') : undefined;
  return typeof message === 'string' ? message : String(err);
}
