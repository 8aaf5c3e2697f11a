import { z } from 'zod';
import type { Db } from '../store/connection';
import { RecordStatus, RunRecord } from '../contract/run';
import { Mode } from '../model/runbook';
import { findRuns } from '../store/runs';

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

// The cursor is the position of the last run shown: its start time, then its id. Any cursor of this form is a
// position (runs started before it), so the document can state the form. Run ids are made of these characters:
// a runbook id and a UTC time (runs/service.ts newRunId), or a schedule id and a time (Temporal's scheduled runs).
const CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z_[A-Za-z0-9._:-]{1,300}$/;

/** A listing request: filters, page size and the opaque cursor of the previous page's `next`. */
export const RunListQuery = z.strictObject({
  runbook: z.string().min(1).max(100).optional(),
  mode: Mode.optional(),
  status: RecordStatus.optional(),
  from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Runs started at or after this time (ISO-8601).' }),
  to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Runs started before this time (ISO-8601).' }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
  cursor: z
    .string()
    .regex(CURSOR, 'pass the `next` of the previous page unchanged')
    .optional()
    .meta({ description: 'The `next` of the previous page: the start time and id of the last run shown (`<ISO-8601 UTC>_<run id>`).' }),
});
export type RunListQuery = z.infer<typeof RunListQuery>;

export const RunPage = z
  .object({ runs: z.array(RunRecord), next: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }) })
  .meta({ id: 'RunPage' });
export type RunPage = z.infer<typeof RunPage>;

/** One page of runs, newest first. */
export async function listRuns(db: Db, q: RunListQuery): Promise<RunPage> {
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const utc = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  const found = await findRuns(db, { runbookId: q.runbook, mode: q.mode, status: q.status, from: utc(q.from), to: utc(q.to), after }, q.limit + 1);
  const runs = found.slice(0, q.limit);
  const last = runs[runs.length - 1];
  const next = found.length > q.limit && last ? `${last.startedAt}_${last.runId}` : null;
  return { runs, next };
}

function decodeCursor(text: string): { startedAt: string; runId: string } {
  const at = text.indexOf('_', 20); // after the time, which has no `_`
  return { startedAt: text.slice(0, at), runId: text.slice(at + 1) };
}
