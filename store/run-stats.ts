import { z } from 'zod';
import type { Db } from './connection';
import { RecordStatus } from '../contract/run';
import { Mode } from '../model/runbook';

// Aggregates for /metrics over the `runs` collection. FerretDB v1 scans the collection for each and supports only
// $sum/$count in $group, which is all these use.

const Count = z.object({ _id: z.object({ status: RecordStatus, mode: Mode }), count: z.number() });
const Breaches = z.object({ _id: z.object({ runbookId: z.string(), mode: Mode }), count: z.number() });
const IdAndRunbook = z.object({ _id: z.string(), runbookId: z.string() });

/** How many runs there are of each status and mode. */
export async function countRuns(db: Db): Promise<Array<{ status: RecordStatus; mode: Mode; count: number }>> {
  const rows = await db
    .collection('runs')
    .aggregate([{ $group: { _id: { status: '$status', mode: '$mode' }, count: { $sum: 1 } } }])
    .toArray();
  return rows.map((r) => Count.parse(r)).map((r) => ({ ...r._id, count: r.count }));
}

/** How many runs missed their RTO, by runbook and mode. */
export async function countRtoBreaches(db: Db): Promise<Array<{ runbookId: string; mode: Mode; count: number }>> {
  const rows = await db
    .collection('runs')
    .aggregate([{ $match: { 'recovery.breached': true } }, { $group: { _id: { runbookId: '$runbookId', mode: '$mode' }, count: { $sum: 1 } } }])
    .toArray();
  return rows.map((r) => Breaches.parse(r)).map((r) => ({ ...r._id, count: r.count }));
}

/** Run ids (with runbook) of the newest runs in `statuses`, newest first. */
export async function newestRuns(db: Db, statuses: RecordStatus[], limit: number): Promise<Array<{ runId: string; runbookId: string }>> {
  const docs = await db
    .collection('runs')
    .find({ status: { $in: statuses } }, { projection: { _id: 1, runbookId: 1 } })
    .sort({ startedAt: -1, _id: -1 })
    .limit(limit)
    .toArray();
  return docs.map((d) => IdAndRunbook.parse(d)).map((d) => ({ runId: d._id, runbookId: d.runbookId }));
}
