import { RunState } from '../contract/run';
import { isDuplicateKey, type Db } from './connection';

// `run_final_states`, _id = runId: the live state a run answered once it had ended, kept so that reading a finished
// run asks Temporal nothing (a query of a closed workflow replays its whole history on a worker). A run's state no
// longer changes once its workflow has ended, so the document is inserted once and never changed; JSON text,
// because step outputs carry user keys FerretDB v1 rejects.

interface FinalStateDoc {
  _id: string;
  state: string;
}

/** Keeps the state of a run that has ended; a second call changes nothing. */
export async function keepFinalState(db: Db, state: RunState): Promise<void> {
  try {
    await db.collection<FinalStateDoc>('run_final_states').insertOne({ _id: state.runId, state: JSON.stringify(state) });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** The state kept for an ended run, if any; one that no longer parses is treated as not kept. */
export async function getFinalState(db: Db, runId: string): Promise<RunState | undefined> {
  const doc = await db.collection<FinalStateDoc>('run_final_states').findOne({ _id: runId });
  if (!doc) return undefined;
  try {
    const parsed = RunState.safeParse(JSON.parse(doc.state));
    return parsed.success && parsed.data.runId === runId ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
