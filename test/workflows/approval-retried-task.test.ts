import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { approveStepUpdate, runStateQuery } from '../../contract/messages';
import { RunService } from '../../runs/service';
import { workflowBundle } from '../harness/lifeboat';
import { registerRunbook, useLifeboat } from '../harness/runs';
import { callsPerKey, startKeyedTarget } from '../harness/target';
import { waitFor } from '../harness/wait';
import { startWorkerProcess, stopWorkerProcess, writeWorkflowBundle } from '../harness/worker-spawn';

// An approval that reaches a run while its worker dies mid workflow task: the task carries the approval (an update)
// together with a timer that fired, the worker that took it never answers, and a fresh worker gets the retried task.
// `npm run chaos` met this at random and recorded two histories the SDK cannot replay (test/chaos/findings); here it
// is made to happen on purpose, and the run must complete and its history replay.

const EventType = temporal.api.enums.v1.EventType;
const env = useLifeboat();
let bundlePath: string;
beforeAll(async () => {
  bundlePath = await writeWorkflowBundle();
});

describe('an approval delivered with a workflow task whose worker died', () => {
  it('completes the run once a fresh worker takes the retried task, and its history replays', async () => {
    const target = await startKeyedTarget(() => ({ status: 200 }));
    const taskQueue = `approval-retried-${randomUUID()}`;
    const runbook = await registerRunbook(env.lb, {
      steps: [
        { id: 'gate', action: 'approval', with: { approvers: ['operator'] } },
        { id: 'tick', action: 'wait', with: { duration: '2s' } },
        { id: 'after', action: 'http', needs: ['tick'], with: { method: 'POST', url: `${target.url}/after` } },
        { id: 'last', action: 'http', needs: ['gate', 'after'], with: { method: 'POST', url: `${target.url}/last` } },
      ],
    });
    const runs = new RunService({ client: env.lb.client, db: env.lb.store.db, taskQueue, signer: env.lb.signer });
    const connection = env.lb.client.connection;
    let worker: ChildProcess | undefined = await startWorkerProcess(taskQueue, bundlePath);
    try {
      const { runId } = await runs.trigger({ runbook, mode: 'recovery' }, 'alice', { kind: 'api', by: 'alice' });
      const handle = env.lb.client.workflow.getHandle(runId);
      await waitFor(
        'the gate to wait for its approval and the timer to run',
        () => handle.query(runStateQuery),
        (s) => s.steps.find((x) => x.id === 'gate')?.status === 'waiting' && s.steps.find((x) => x.id === 'tick')?.status === 'running',
        30_000,
      );
      // The worker dies with the run in its cache: the next task goes to its sticky queue, where nobody polls.
      await stopWorkerProcess(worker, 'SIGKILL');
      worker = undefined;
      const approval = runs.control(runId, approveStepUpdate, { stepId: 'gate', decision: 'approve', actor: 'bob', roles: ['operator'], comment: 'go' });
      // Once the sticky queue times out, a worker takes the task (the approval and the fired timer) and dies before it
      // answers: to the server, a poller that never responds is exactly that.
      const taken = await connection.withDeadline(Date.now() + 90_000, () =>
        connection.workflowService.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: 'worker-that-dies' }),
      );
      expect(taken.workflowExecution?.workflowId).toBe(runId);
      expect(taken.messages?.length).toBeGreaterThan(0); // the approval rides on the task the dead worker holds

      worker = await startWorkerProcess(taskQueue, bundlePath);
      expect((await approval).accepted).toBe(true);
      const final = await handle.result();
      expect(final.status).toBe('completed');
      expect(callsPerKey(target.calls)).toEqual({ [`${runId}/after`]: 1, [`${runId}/last`]: 1 });

      const history = await handle.fetchHistory();
      const types = history.events!.map((e) => e.eventType);
      const timedOut = types.indexOf(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
      expect(timedOut).toBeGreaterThan(-1);
      expect(types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toBeGreaterThan(timedOut);
      await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, runId)).resolves.toBeUndefined();
    } finally {
      if (worker) await stopWorkerProcess(worker);
      await target.close();
    }
  }, 180_000);
});
