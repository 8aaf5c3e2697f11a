import { verifyTimeline } from '../../store/timeline';
import { startRun, useLifeboat } from '../harness/runs';

const env = useLifeboat();

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
});
