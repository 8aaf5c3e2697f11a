import { defaultPayloadConverter } from '@temporalio/common';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResumeState, RunInput } from '../../contract/run';
import { getFinalState } from '../../store/final-states';
import { startRun, useLifeboat } from '../harness/runs';
import { watchedClient } from '../harness/watch';
import { RunService } from '../../runs/service';

// A wide run (docs/performance.md, "Wide runs"): the server force-closes a workflow task when more than 100 events
// arrive while it runs, so a run keeps few enough steps in flight that their completions cannot overflow that; and
// what a wide run hands to Temporal (its result, each continue-as-new input) holds only what its steps did, while the
// store answers every step's final state.

const env = useLifeboat();

const parallel = (url: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `s${i}`, title: `step ${i}`, action: 'http', with: { url: `${url}/s${i}` } }));

/** A target that keeps every call open `holdMs`, and notes the most calls it held at once. */
async function slowTarget(holdMs: number) {
  let open = 0;
  let most = 0;
  let calls = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      most = Math.max(most, ++open);
      setTimeout(() => {
        open--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, holdMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    figures: () => ({ calls, most }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every continue-as-new input of a workflow's executions (following them back from the latest), oldest first. */
async function continuations(workflowId: string): Promise<RunInput[]> {
  const inputs: RunInput[] = [];
  for (let execution: string | undefined = undefined; ;) {
    const history = await env.lb.client.workflow.getHandle(workflowId, execution).fetchHistory();
    let previous: string | undefined;
    for (const e of history.events ?? []) {
      previous ??= e.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      const continued = e.workflowExecutionContinuedAsNewEventAttributes;
      if (continued) inputs.unshift(defaultPayloadConverter.fromPayload(continued.input!.payloads![0]!));
    }
    if (!previous) return inputs;
    execution = previous;
  }
}

describe('wide runs', () => {
  it('starts at most 40 steps in one workflow task, however many are ready', async () => {
    const run = await startRun(env.lb, { steps: parallel(env.target.url, 100) });
    expect((await run.result()).status).toBe('completed');
    const history = await env.lb.client.workflow.getHandle(run.runId).fetchHistory();
    // A task's commands follow its WORKFLOW_TASK_COMPLETED event: count the step activities each task scheduled.
    const perTask: number[] = [];
    for (const e of history.events ?? []) {
      if (e.workflowTaskCompletedEventAttributes) perTask.push(0);
      else if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'httpRequest') perTask[perTask.length - 1]! += 1;
    }
    expect(perTask.reduce((a, b) => a + b, 0)).toBe(100);
    expect(Math.max(...perTask)).toBeLessThanOrEqual(40);
  }, 120_000);

  it('runs slow steps more than 40 at a time: a long failover step does not queue behind 40 others', async () => {
    const target = await slowTarget(8000);
    try {
      const run = await startRun(env.lb, { steps: parallel(target.url, 100) });
      expect((await run.result()).status).toBe('completed');
      expect(target.figures().calls).toBe(100);
      expect(target.figures().most).toBeGreaterThan(40);
    } finally {
      await target.close();
    }
  }, 120_000);

  it('keeps its result and continuations to what its steps did, and still answers every step from the store', async () => {
    const STEPS = 120;
    const run = await startRun(env.lb, { steps: parallel(env.target.url, STEPS) }, { limits: { historyEvents: 150, resultSteps: 50 } });
    const result = await run.result();
    expect(result).toMatchObject({ status: 'completed', steps: [], waitingFor: [], stepsLeftOut: STEPS });
    expect(result.anchor?.seq).toBeGreaterThan(STEPS); // the signed head verification needs is still there

    // Each continuation carries only the steps that started, without what the runbook says of them.
    const inputs = await continuations(run.runId);
    expect(inputs.length).toBeGreaterThanOrEqual(1);
    for (const input of inputs) {
      expect(input.runbook).toBeUndefined(); // by reference: the next run's start check reads it from the registry
      const resume: ResumeState = input.resume!;
      expect(resume.steps.length).toBeLessThan(STEPS);
      for (const step of resume.steps) {
        expect(step.status).not.toBe('pending');
        expect(step).not.toHaveProperty('title');
      }
    }

    // The run stored its final state itself: nothing had read it through the API yet.
    const kept = await getFinalState(env.lb.store.db, run.runId);
    expect(kept?.steps).toHaveLength(STEPS);
    expect(kept?.steps.every((s) => s.status === 'succeeded' && s.title?.startsWith('step '))).toBe(true);

    // Reading the finished run asks Temporal nothing (a service over a client that records every Temporal call).
    const calls: string[] = [];
    const service = new RunService({ client: watchedClient(env.lb.client, calls), db: env.lb.store.db, taskQueue: env.lb.taskQueue, signer: env.lb.signer });
    const read = await service.get(run.runId);
    expect(calls).toEqual([]);
    expect(read.record.status).toBe('completed');
    expect(read.state?.steps.map((s) => s.id)).toEqual(parallel('', STEPS).map((s) => s.id));
  }, 300_000);
});
