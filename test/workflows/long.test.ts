import { defaultPayloadConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import type { RunInput } from '../../contract/run';
import { verifyTimeline } from '../../store/timeline';
import { workflowBundle } from '../harness/lifeboat';
import { startRun, useLifeboat } from '../harness/runs';

const env = useLifeboat();

/** The history of each execution of a workflow, oldest first (following continuedExecutionRunId back from the latest). */
async function executions(workflowId: string): Promise<History[]> {
  const histories: History[] = [];
  for (let execution: string | undefined = undefined; ;) {
    const history = await env.lb.client.workflow.getHandle(workflowId, execution).fetchHistory();
    histories.unshift(history);
    const previous: string | undefined = startedOf(history).continuedExecutionRunId || undefined;
    if (!previous) return histories;
    execution = previous;
  }
}

const startedOf = (history: History) => history.events![0]!.workflowExecutionStartedEventAttributes!;

describe('long runs', () => {
  it('continues as new before history gets large and completes the runbook, every step exactly once', async () => {
    // A history limit of 200 events makes a 200-step run continue as new several times, in parallel lanes so
    // continuations happen while steps of other lanes have just finished (the drain must not lose or repeat any).
    const LANES = 5;
    const STEPS = 200;
    const steps = Array.from({ length: STEPS }, (_, i) => ({
      id: `s${i}`,
      action: 'http',
      with: { url: `${env.target.url}/step/${i}` },
      ...(i >= LANES ? { needs: [`s${i - LANES}`] } : {}),
    }));
    const run = await startRun(env.lb, { steps }, { limits: { historyEvents: 200 } });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps.filter((s) => s.status === 'succeeded')).toHaveLength(STEPS);
    expect(env.target.calls).toHaveLength(STEPS); // no step ran twice across the continuations

    const events = await run.events();
    const continued = events.filter((e) => e.type === 'run.continued');
    expect(continued.length).toBeGreaterThanOrEqual(2);
    // Every step started and succeeded exactly once across all workflow runs, with no gap in the sequence.
    expect(
      events
        .filter((e) => e.type === 'step.succeeded')
        .map((e) => e.stepId)
        .sort(),
    ).toEqual(steps.map((s) => s.id).sort());
    expect(events.filter((e) => e.type === 'step.started')).toHaveLength(STEPS);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(await verifyTimeline(env.lb.store.db, run.runId)).toMatchObject({ ok: true, events: events.length });

    const description = await run.handle.describe();
    expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
  }, 600_000);

  it('continues by reference to its runbook version, answering its state throughout, and completes', async () => {
    // Each continuation names the runbook (id, version, hash) instead of carrying it; the next execution's start check
    // reads it from the registry. Meanwhile an operator's console keeps reading the run: no read may fail.
    const LANES = 3;
    const STEPS = 90;
    const steps = Array.from({ length: STEPS }, (_, i) => ({
      id: `r${i}`,
      title: `step ${i} of a runbook whose definition the continuations leave out`,
      action: 'http',
      with: { url: `${env.target.url}/by-reference/${i}` },
      ...(i >= LANES ? { needs: [`r${i - LANES}`] } : {}),
    }));
    const run = await startRun(env.lb, { steps }, { limits: { historyEvents: 100 } });
    let ended = false;
    const result = run.result().finally(() => (ended = true));
    const failedReads: string[] = [];
    let reads = 0;
    while (!ended) {
      try {
        const { state } = await run.service.get(run.runId);
        if (state?.steps.length !== STEPS) failedReads.push(`answered ${state?.steps.length ?? 'no'} steps`);
        reads++;
      } catch (err) {
        failedReads.push(err instanceof Error ? err.message : String(err));
      }
    }
    const final = await result;
    expect(final.status).toBe('completed');
    expect(failedReads).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(steps.map((s) => env.target.count(s.with.url.slice(env.target.url.length)))).toEqual(steps.map(() => 1));

    const histories = await executions(run.runId);
    const inputs = histories.map((h) => defaultPayloadConverter.fromPayload<RunInput>(startedOf(h).input!.payloads![0]!));
    expect(inputs.length).toBeGreaterThanOrEqual(3); // the start and at least two continuations
    expect(inputs[0]!.runbook?.id).toBe(run.runbook);
    for (const input of inputs.slice(1)) {
      expect(input.runbook).toBeUndefined();
      expect(input).toMatchObject({ ref: { id: run.runbook, version: 1 }, hash: inputs[0]!.hash, proof: expect.any(Object) });
    }
    const events = await run.events();
    expect(events.filter((e) => e.type === 'run.continued').length).toBe(inputs.length - 1);
    expect(await verifyTimeline(env.lb.store.db, run.runId)).toMatchObject({ ok: true, events: events.length });
    // A worker that restarts mid-run replays each execution: a continued one, given its runbook by the start check.
    const replays = [];
    const bundle = await workflowBundle();
    for await (const r of Worker.runReplayHistories(
      { workflowBundle: bundle },
      histories.map((history, i) => ({ workflowId: `${run.runId}#${i}`, history })),
    ))
      replays.push(r.error?.message ?? null);
    expect(replays).toEqual(histories.map(() => null));
  }, 300_000);
});
