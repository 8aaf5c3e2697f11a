// Histories `npm run chaos` recorded that today's code cannot replay. Each one is a run that stopped: Temporal keeps
// retrying its workflow task, which fails with a nondeterminism error, so the run neither ends nor answers queries.
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { workflowBundle } from '../harness/lifeboat';

async function replayError(file: string): Promise<string | undefined> {
  const history = historyFromJSON(JSON.parse(readFileSync(path.join(__dirname, 'findings', file), 'utf8')));
  for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [{ workflowId: file, history }])) return r.error?.message;
  return undefined;
}

describe('histories the fault-injection suite found', () => {
  // A workflow task timed out because its worker was SIGKILLed (while running it, or while the task waited in that
  // worker's sticky queue), and the retry carried an approval (an update) and an activity result together. Live, the
  // accept came after the next step's ActivityTaskScheduled in the same task. On replay SDK core (1.24.0) cannot give
  // that back: it keeps the timed-out task and its retry in one sequence (history_update.rs,
  // find_end_index_of_next_wft_seq, which splits before an update only when its UpdateAccepted is the first event after
  // WorkflowTaskCompleted), turns the UpdateAccepted it looks ahead to into a DoUpdate job of the same activation as the
  // activity result, and sorts DoUpdate first (worker/workflow/mod.rs, prepare_to_ship_activation); the TypeScript
  // SDK pushes the accept before any workflow code runs (workflow/src/internals.ts, doUpdate, no validator on replay).
  // So the accept is always the first command there, and the history's first is ActivityTaskScheduled: "Update machine
  // does not handle this event". No workflow code can change that order, so these two histories never replay under
  // this SDK; they stay as the record of what the suite found. `failing`: each passes while its replay fails; if an
  // SDK release replays them, jest says so. test/workflows/approval-retried-task.test.ts makes the fault happen on
  // purpose.
  it.failing('replays a run whose approval came with a workflow task retried after its worker died mid-task', async () => {
    expect(await replayError('approval-with-retried-workflow-task.json')).toBeUndefined();
  });
  it.failing('replays a run whose approval came with a workflow task retried after it timed out in a dead worker’s sticky queue', async () => {
    expect(await replayError('approval-after-sticky-timeout.json')).toBeUndefined();
  });
});
