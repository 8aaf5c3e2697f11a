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
  // worker scheduled the next step's activity before it accepted the update; on replay the SDK's core delivers both
  // in one activation and the workflow accepts the update first: "Update machine does not handle this event:
  // ActivityTaskScheduled". The order comes from the Temporal SDK (core in @temporalio/worker 1.24.0), not from
  // workflow code (docs/engine.md, "Fault-injection suite"). `failing`: each passes while its replay fails; once an
  // SDK release replays it, jest says so, and it becomes `it`.
  it.failing('replays a run whose approval came with a workflow task retried after its worker died mid-task', async () => {
    expect(await replayError('approval-with-retried-workflow-task.json')).toBeUndefined();
  });
  it.failing('replays a run whose approval came with a workflow task retried after it timed out in a dead worker’s sticky queue', async () => {
    expect(await replayError('approval-after-sticky-timeout.json')).toBeUndefined();
  });
});
