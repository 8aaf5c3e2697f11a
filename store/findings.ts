// Findings and corrective actions, append-only: every change is a document of its own, never updated or deleted.
// FerretDB v1 has no transactions and no atomic conditional update, so the one atomic step is an insert under a
// unique _id: `<runId>/<findingId>/<revision>`. Two people changing the same finding at once both try the next
// revision's _id; one insert wins and the other gets a duplicate key, re-reads and tries again.
import { z } from 'zod';
import { isDuplicateKey, type Db } from './connection';

/** One change of a finding as stored: who, when, which fields it set. Revision 1 creates the finding. */
export const FindingChangeDoc = z.object({
  _id: z.string(),
  runId: z.string(),
  runbookId: z.string(),
  /** When the run started: open actions of earlier drills are those of runs that started before. */
  runStartedAt: z.string(),
  findingId: z.string(),
  revision: z.int().min(1),
  at: z.string(),
  by: z.string(),
  set: z.record(z.string(), z.string()),
  note: z.string().optional(),
});
export type FindingChangeDoc = z.infer<typeof FindingChangeDoc>;

const collection = (db: Db) => db.collection<FindingChangeDoc>('findings');

/** The _id of one revision: padded, so _ids sort in revision order. */
export function findingChangeId(runId: string, findingId: string, revision: number): string {
  return `${runId}/${findingId}/${String(revision).padStart(6, '0')}`;
}

/** Inserts one change; false when that revision of that finding exists already (someone else got there first). */
export async function insertFindingChange(db: Db, change: Omit<FindingChangeDoc, '_id'>): Promise<boolean> {
  try {
    await collection(db).insertOne({ _id: findingChangeId(change.runId, change.findingId, change.revision), ...change });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** Every change of a run's findings, in order. FerretDB v1 scans for this filter; MongoDB uses the index. */
export async function readRunFindingChanges(db: Db, runId: string): Promise<FindingChangeDoc[]> {
  return parse(await collection(db).find({ runId }).sort({ _id: 1 }).toArray());
}

/** Every change of the findings of a runbook's runs, in order. */
export async function readRunbookFindingChanges(db: Db, runbookId: string): Promise<FindingChangeDoc[]> {
  return parse(await collection(db).find({ runbookId }).sort({ _id: 1 }).toArray());
}

/** Every change of every finding, in order: one read for the drill programme of all runbooks. */
export async function readAllFindingChanges(db: Db): Promise<FindingChangeDoc[]> {
  return parse(await collection(db).find({}).sort({ _id: 1 }).toArray());
}

function parse(docs: unknown[]): FindingChangeDoc[] {
  return docs.map((d) => FindingChangeDoc.parse(d));
}
