import { z } from 'zod';
import type { Db } from './connection';

// The approvals runs are waiting on, one document per (run, step), kept by the worker as it writes the approval
// events (activities/record.ts), so /metrics can count them with one read instead of asking each run's workflow.
// Written and deleted by `_id` only (FerretDB v1 pushes nothing else down and has no atomic conditional update);
// each write sets an absolute state, so a retried batch writes the same thing again.

const WaitingDoc = z.object({ _id: z.string(), runId: z.string(), runbookId: z.string(), stepId: z.string(), since: z.string() });
type WaitingDoc = z.infer<typeof WaitingDoc>;

/** An approval a run is waiting on, since its request (ISO-8601, the workflow's clock). */
export type WaitingApproval = Omit<WaitingDoc, '_id'>;

const waiting = (db: Db) => db.collection<WaitingDoc>('approvals_waiting');
const idOf = (runId: string, stepId: string) => `${runId}/${stepId}`;

/** Records that run `runId` waits on the approval step `stepId`. */
export async function openApproval(db: Db, a: WaitingApproval): Promise<void> {
  await waiting(db).replaceOne({ _id: idOf(a.runId, a.stepId) }, a, { upsert: true });
}

/** The approval step `stepId` of run `runId` is decided (or the step otherwise ended). */
export async function closeApproval(db: Db, runId: string, stepId: string): Promise<void> {
  await waiting(db).deleteOne({ _id: idOf(runId, stepId) });
}

/** Every approval that is waiting, as recorded; a caller counts only those of runs still running. */
export async function waitingApprovals(db: Db): Promise<WaitingApproval[]> {
  const docs = await waiting(db).find({}).toArray();
  return docs.map((d) => WaitingDoc.parse(d)).map(({ _id, ...a }) => a);
}
