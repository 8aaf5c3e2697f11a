import { z } from 'zod';
import type { Db } from './connection';
import { Mode } from '../model/runbook';

// What /metrics reads from the `runs` collection at scrape time: one query, whatever the number of runs stored
// (FerretDB v1 scans the collection for it; the projection keeps what it sends back small).

const Running = z.object({ _id: z.string(), runbookId: z.string(), mode: Mode });

/** The runs whose record says running, with their runbook and mode. */
export async function runningRuns(db: Db): Promise<Array<{ runId: string; runbookId: string; mode: Mode }>> {
  const docs = await db
    .collection('runs')
    .find({ status: 'running' }, { projection: { _id: 1, runbookId: 1, mode: 1 } })
    .toArray();
  return docs.map((d) => Running.parse(d)).map((d) => ({ runId: d._id, runbookId: d.runbookId, mode: d.mode }));
}
