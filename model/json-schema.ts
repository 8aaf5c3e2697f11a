import { z } from 'zod';
import { Runbook } from './runbook';

/** Where the API serves the runbook JSON Schema (GET, no token). */
export const RUNBOOK_SCHEMA_PATH = '/schema/runbook.json';

/** The schema's address on the embedded default (`npm start`): the `$id` of the committed copy and of `lifeboat schema`. */
export const DEFAULT_SCHEMA_URL = `http://127.0.0.1:3000${RUNBOOK_SCHEMA_PATH}`;

/** The schema's address on the API at `base` (http://host:port, no trailing slash needed). */
export function runbookSchemaUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}${RUNBOOK_SCHEMA_PATH}`;
}

/**
 * The published JSON Schema for runbook files, generated from the zod schema; every field carries the description
 * its zod schema gives (`.describe()`). It describes the input (defaults optional); cross-step rules such as unknown
 * needs or cycles are only checked by `lifeboat validate`. `$id` is where the schema can be fetched.
 */
export function runbookJsonSchema(id: string = DEFAULT_SCHEMA_URL): Record<string, unknown> {
  const generated = z.toJSONSchema(Runbook, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  return { ...generated, $id: id, title: 'Lifeboat runbook', description: 'A Lifeboat disaster-recovery runbook (docs/runbooks.md).' };
}
