import type { Filter } from 'mongodb';
import { RunRecord, type RecordStatus } from '../contract/run';
import type { Mode } from '../model/runbook';
import { isDuplicateKey, type Db } from './connection';

// TODO(lead): remove once workflows/ imports contract/ (workflows/engine.ts takes the type from here).
export type { RunRecord };

// Top-level fields so MongoDB can index and filter runs; parameters are user data that may carry keys
// FerretDB v1 rejects (dots, `$`), so they are stored as a JSON string.
type RunDoc = Omit<RunRecord, 'runId' | 'parameters'> & { _id: string; parametersJson: string };

/**
 * Creates or replaces a run's record (idempotent: the same record written twice is one record). Fenced: the status
 * only moves forward, so a "running" write that stalled and lands after the final record changes nothing.
 */
export async function saveRun(db: Db, record: RunRecord): Promise<void> {
  const { runId, parameters, ...rest } = record;
  const doc = { ...rest, parametersJson: JSON.stringify(parameters) };
  const runs = db.collection<RunDoc>('runs');
  if (record.status !== 'running') {
    await runs.replaceOne({ _id: runId }, doc, { upsert: true });
    return;
  }
  // No record yet (a run's first write, the usual case): the insert's unique _id fences it against a final record
  // that got there first, in one point operation. Otherwise only a record that is still running may be replaced by
  // a running one (the status in the filter is the fence: FerretDB v1 has no transactions); FerretDB v1 scans the
  // collection for that filter, so it is left to repeats.
  try {
    await runs.insertOne({ _id: runId, ...doc });
    return;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  await runs.replaceOne({ _id: runId, status: 'running' }, doc); // no match: a final record is there, and it stands
}

/** A run's record, or undefined if there is none. */
export async function getRun(db: Db, runId: string): Promise<RunRecord | undefined> {
  const doc = await db.collection<RunDoc>('runs').findOne({ _id: runId });
  return doc ? fromDoc(doc) : undefined;
}

function fromDoc(doc: RunDoc): RunRecord {
  const { _id, parametersJson, ...rest } = doc;
  return RunRecord.parse({ ...rest, runId: _id, parameters: JSON.parse(parametersJson) });
}

/** Which runs to list; `after` is the (startedAt, runId) of the last run of the previous page. */
export interface RunFilter {
  runbookId?: string;
  mode?: Mode;
  status?: RecordStatus;
  /** ISO-8601 UTC bounds on startedAt: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  after?: { startedAt: string; runId: string };
}

/**
 * Runs matching `filter`, newest first (startedAt, then run id, descending), at most `limit`. On MongoDB the
 * indexes from `ensureRunIndexes` serve it; FerretDB v1 scans the collection, which is the best it can do.
 */
export async function findRuns(db: Db, filter: RunFilter, limit: number): Promise<RunRecord[]> {
  const query: Filter<RunDoc> = {};
  if (filter.runbookId !== undefined) query.runbookId = filter.runbookId;
  if (filter.mode !== undefined) query.mode = filter.mode;
  if (filter.status !== undefined) query.status = filter.status;
  if (filter.from !== undefined || filter.to !== undefined) {
    query.startedAt = { ...(filter.from !== undefined ? { $gte: filter.from } : {}), ...(filter.to !== undefined ? { $lt: filter.to } : {}) };
  }
  if (filter.after) {
    const { startedAt, runId } = filter.after;
    query.$or = [{ startedAt: { $lt: startedAt } }, { startedAt, _id: { $lt: runId } }];
  }
  const docs = await db.collection<RunDoc>('runs').find(query).sort({ startedAt: -1, _id: -1 }).limit(limit).toArray();
  return docs.map(fromDoc);
}

/**
 * The newest drill of every runbook (runbook id → run id), from one read of the drills' ids and start times: FerretDB
 * v1 scans `runs` once for it, where a newest-drill query per runbook would scan it once per runbook (and it has no
 * `$first` to group with).
 */
export async function newestDrills(db: Db): Promise<Map<string, string>> {
  const docs = await db
    .collection<RunDoc>('runs')
    .find({ mode: 'drill' }, { projection: { _id: 1, runbookId: 1, startedAt: 1 } })
    .toArray();
  const newest = new Map<string, { runId: string; startedAt: string }>();
  for (const d of docs) {
    const seen = newest.get(d.runbookId);
    // Newest first as findRuns orders them: startedAt, then run id.
    if (!seen || d.startedAt > seen.startedAt || (d.startedAt === seen.startedAt && d._id > seen.runId)) newest.set(d.runbookId, { runId: d._id, startedAt: d.startedAt });
  }
  return new Map([...newest].map(([runbookId, d]) => [runbookId, d.runId]));
}

/** The indexes run listings use on MongoDB (FerretDB v1 accepts and ignores them). Safe to call at every start. */
export async function ensureRunIndexes(db: Db): Promise<void> {
  const runs = db.collection<RunDoc>('runs');
  await runs.createIndex({ startedAt: -1, _id: -1 }, { name: 'startedAt_id' });
  await runs.createIndex({ runbookId: 1, startedAt: -1, _id: -1 }, { name: 'runbook_startedAt_id' });
}
