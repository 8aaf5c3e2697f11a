import { z } from 'zod';
import type { Db } from '../store/connection';
import { RecordStatus, RunRecord } from '../contract/run';
import { Mode } from '../model/runbook';
import { findRuns } from '../store/runs';
import { DomainError } from './errors';

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

/** A listing request: filters, page size and the opaque cursor of the previous page's `next`. */
export const RunListQuery = z.strictObject({
  runbook: z.string().min(1).max(100).optional(),
  mode: Mode.optional(),
  status: RecordStatus.optional(),
  from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Runs started at or after this time (ISO-8601).' }),
  to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Runs started before this time (ISO-8601).' }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
  cursor: z.string().max(1000).optional().meta({ description: 'The `next` of the previous page.' }),
});
export type RunListQuery = z.infer<typeof RunListQuery>;

export const RunPage = z
  .object({ runs: z.array(RunRecord), next: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }) })
  .meta({ id: 'RunPage' });
export type RunPage = z.infer<typeof RunPage>;

// The cursor is the position of the last run shown; it is opaque to clients so its form may change.
const Cursor = z.object({ s: z.string(), id: z.string() });

/** One page of runs, newest first. */
export async function listRuns(db: Db, q: RunListQuery): Promise<RunPage> {
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const utc = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  const found = await findRuns(db, { runbookId: q.runbook, mode: q.mode, status: q.status, from: utc(q.from), to: utc(q.to), after }, q.limit + 1);
  const runs = found.slice(0, q.limit);
  const last = runs[runs.length - 1];
  const next = found.length > q.limit && last ? encodeCursor({ s: last.startedAt, id: last.runId }) : null;
  return { runs, next };
}

function encodeCursor(c: z.infer<typeof Cursor>): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string): { startedAt: string; runId: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = Cursor.safeParse(value);
  if (!parsed.success)
    throw new DomainError('invalid', 'cursor is not one this API gave out; pass the `next` of the previous page unchanged', [{ path: 'query.cursor', message: 'unknown cursor' }]);
  return { startedAt: parsed.data.s, runId: parsed.data.id };
}
