// A reviewer's sign-off of a run's report: one per run, under the run's id, so the insert is the whole rule (a
// second sign-off is a duplicate key, on MongoDB and FerretDB alike). Never updated: a later change of the report
// shows against the content kept here.
import { z } from 'zod';
import { isDuplicateKey, type Db } from './connection';

export const SignOffDoc = z.object({
  _id: z.string(),
  reviewer: z.string(),
  at: z.string(),
  comment: z.string(),
  contentHash: z.string(),
  /** The signed content as canonical JSON (a string: FerretDB v1 refuses some keys user data may hold). */
  content: z.string(),
});
export type SignOffDoc = z.infer<typeof SignOffDoc>;

const collection = (db: Db) => db.collection<SignOffDoc>('signoffs');

/** Records the sign-off; false when the run was signed already. */
export async function insertSignOff(db: Db, doc: SignOffDoc): Promise<boolean> {
  try {
    await collection(db).insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** The run's sign-off, if it has one. */
export async function getSignOff(db: Db, runId: string): Promise<SignOffDoc | undefined> {
  const doc = await collection(db).findOne({ _id: runId });
  return doc ? SignOffDoc.parse(doc) : undefined;
}
