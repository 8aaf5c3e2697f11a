import { setHandler } from '@temporalio/workflow';
import type { RunInput, RunState } from '../runs/types';
import { RunEngine } from './engine';
import { runStateQuery } from './messages';

/** Executes one pinned runbook version; its workflow id is the run id. */
export async function runbookWorkflow(input: RunInput): Promise<RunState> {
  const engine = new RunEngine(input);
  setHandler(runStateQuery, () => engine.state);
  return engine.execute();
}
