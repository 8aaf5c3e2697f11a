import { z } from 'zod';
import type { Db } from './connection';

export const RunMode = z.enum(['drill', 'recovery']);
export type RunMode = z.infer<typeof RunMode>;

export const RunStatus = z.enum(['running', 'completed', 'failed', 'aborted']);
export type RunStatus = z.infer<typeof RunStatus>;

/** The durable summary of a run, kept beside its timeline; the live state comes from the workflow. */
export const RunRecord = z.object({
  runId: z.string(),
  runbookId: z.string(),
  version: z.number().int(),
  hash: z.string(),
  title: z.string().optional(),
  mode: RunMode,
  status: RunStatus,
  requester: z.string(),
  trigger: z.object({ kind: z.enum(['api', 'schedule', 'cli', 'parent']), by: z.string() }),
  parameters: z.record(z.string(), z.unknown()),
  startedAt: z.string(),
  declaredAt: z.string().optional(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  recovery: z
    .object({ targetMs: z.number().optional(), achievedMs: z.number().optional(), breached: z.boolean().optional(), endsAt: z.string().optional() })
    .optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

// Top-level fields so MongoDB can index and filter runs; parameters are user data that may carry keys
// FerretDB v1 rejects (dots, `$`), so they are stored as a JSON string.
type RunDoc = Omit<RunRecord, 'runId' | 'parameters'> & { _id: string; parametersJson: string };

/** Creates or replaces a run's record (idempotent: the same record written twice is one record). */
export async function saveRun(db: Db, record: RunRecord): Promise<void> {
  const { runId, parameters, ...rest } = record;
  await db.collection<RunDoc>('runs').replaceOne({ _id: runId }, { ...rest, parametersJson: JSON.stringify(parameters) }, { upsert: true });
}

/** A run's record, or undefined if there is none. */
export async function getRun(db: Db, runId: string): Promise<RunRecord | undefined> {
  const doc = await db.collection<RunDoc>('runs').findOne({ _id: runId });
  if (!doc) return undefined;
  const { _id, parametersJson, ...rest } = doc;
  return RunRecord.parse({ ...rest, runId: _id, parameters: JSON.parse(parametersJson) });
}
