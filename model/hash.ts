import { createHash } from 'node:crypto';
import { Runbook } from './runbook';

/** JSON with object keys sorted at every level, so equal runbooks serialise identically. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The content hash of a parsed runbook: sha256 of its canonical JSON. Hashing after parsing (defaults filled
 * in) means formatting, key order and spelling out a default do not change it; any change in meaning does.
 */
export function runbookHash(runbook: Runbook): string {
  return createHash('sha256').update(canonicalJson(runbook)).digest('hex');
}
