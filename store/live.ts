import { z } from 'zod';
import type { Db } from './connection';

// What runs are doing now: the runs running, one document per run, and the approvals they wait on, one per (run,
// step). The worker keeps them as it writes the timeline (metrics/feed.ts), so /metrics reads two small collections,
// whatever the number of runs stored, instead of scanning `runs` or asking each run's workflow. Written and deleted
// by `_id` only (FerretDB v1 pushes nothing else down and has no atomic conditional update); each write sets an
// absolute state, so a retried batch writes the same thing again.

const RunningDoc = z.object({ _id: z.string(), runbookId: z.string(), mode: z.string(), since: z.string() });
type RunningDoc = z.infer<typeof RunningDoc>;

/** A run that is running (or paused), since its start (ISO-8601, the workflow's clock). */
export type RunningRun = Omit<RunningDoc, '_id'> & { runId: string };

const running = (db: Db) => db.collection<RunningDoc>('runs_running');

/** Records that run `runId` has started. */
export async function markRunning(db: Db, r: RunningRun): Promise<void> {
  const { runId, ...rest } = r;
  await running(db).replaceOne({ _id: runId }, rest, { upsert: true });
}

/** Run `runId` has ended. */
export async function markEnded(db: Db, runId: string): Promise<void> {
  await running(db).deleteOne({ _id: runId });
}

/** Every run recorded as running. */
export async function runningRuns(db: Db): Promise<RunningRun[]> {
  const docs = await running(db).find({}).toArray();
  return docs.map((d) => RunningDoc.parse(d)).map(({ _id, ...r }) => ({ runId: _id, ...r }));
}

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
