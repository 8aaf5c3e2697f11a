import { temporal } from '@temporalio/proto';
import { PARAMETERS_BYTES } from '../../runs/outputs';
import { RunService } from '../../runs/service';
import { readTimeline } from '../../store/timeline';
import { registerRunbook, startRun, useLifeboat } from '../harness/runs';

// What a run hands Temporal must stay inside Temporal's limits, or the run stands still: a workflow task whose
// commands pass 4 MB fails again and again (GrpcMessageTooLarge), and an activity input past 2 MB is refused. A
// parameter rendered into many parallel steps, or into one step many times, makes requests larger than the runbook's
// text. So a run's parameters are bounded, a step's request after templates too, and one workflow task starts steps
// until their requests hold TASK_REQUEST_BYTES (runs/outputs.ts, PATCH.boundedPayloads).

const env = useLifeboat();

const KIB = 1024;

async function taskProblems(runId: string): Promise<string[]> {
  const history = await env.lb.client.workflow.getHandle(runId).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED ? [e.workflowTaskFailedEventAttributes?.failure?.message ?? 'failed'] : [],
  );
}

describe('the requests a run hands Temporal', () => {
  it('runs 40 parallel steps that each send a 200 KiB parameter, a wave at a time, with no workflow task failing', async () => {
    const tag = Date.now();
    const run = await startRun(
      env.lb,
      {
        parameters: { blob: { type: 'string' } },
        steps: Array.from({ length: 40 }, (_, i) => ({
          id: `s${i}`,
          action: 'http',
          with: { method: 'POST', url: `${env.target.url}/fan/${tag}/${i}`, body: '{{ params.blob }}' },
        })),
      },
      { parameters: { blob: 'z'.repeat(200 * KIB) } },
    );
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(await taskProblems(run.runId)).toEqual([]);
    // Each target got its request once, whole.
    const calls = env.target.calls.filter((c) => c.path.startsWith(`/fan/${tag}/`));
    expect(calls).toHaveLength(40);
    expect(calls.every((c) => c.body.length === 200 * KIB)).toBe(true);
  });

  it('fails a step whose request after templates is larger than a step may send, without sending it, and ends the run with its record', async () => {
    const tag = Date.now();
    const run = await startRun(
      env.lb,
      {
        parameters: { blob: { type: 'string' } },
        steps: [{ id: 'huge', action: 'http', with: { method: 'POST', url: `${env.target.url}/huge/${tag}`, body: '{{ params.blob }}'.repeat(9) } }],
      },
      { parameters: { blob: 'z'.repeat(250 * KIB) } },
    );
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(final.steps[0]!.error).toMatch(/^the step was not sent: its request holds 2250(\.\d)? KiB after templates, over the 1024 KiB a step may send/);
    expect(env.target.count(`/huge/${tag}`)).toBe(0);
    expect(await taskProblems(run.runId)).toEqual([]);
    expect((await run.service.get(run.runId)).record.status).toBe('failed');
    expect((await readTimeline(env.lb.store.db, run.runId)).events.at(-1)!.type).toBe('run.failed');
  });

  it('refuses a start whose parameters are larger than a run may carry, naming the parameter', async () => {
    const runbook = await registerRunbook(env.lb, {
      parameters: { blob: { type: 'string' }, region: { type: 'string' } },
      steps: [{ id: 'a', action: 'wait', with: { duration: '1ms' } }],
    });
    const service = new RunService({ client: env.lb.client, db: env.lb.store.db, taskQueue: env.lb.taskQueue, signer: env.lb.signer });
    const started = service.trigger({ runbook, mode: 'recovery', parameters: { blob: 'z'.repeat(PARAMETERS_BYTES), region: 'eu' } }, 'alice', { kind: 'api', by: 'alice' });
    await expect(started).rejects.toMatchObject({
      kind: 'invalid',
      issues: [
        { path: 'parameters.blob', message: expect.stringMatching(/^the parameters hold 256(\.\d)? KiB \(blob 256(\.\d)? KiB\), over the 256 KiB a run's parameters may hold/) },
      ],
    });
  });
});
