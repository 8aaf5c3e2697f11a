import { verifyTimeline } from '../../store/timeline';
import { startRun, useLifeboat } from '../harness/runs';

const env = useLifeboat();

describe('long runs', () => {
  it('continues as new before history gets large and completes a 2,000-step runbook', async () => {
    // HTTP steps against a local target, each a real activity (the dev server fires short timers only about once a
    // second), in 20 lanes of 100 steps so the test takes a minute rather than five.
    const LANES = 20;
    const steps = Array.from({ length: 2000 }, (_, i) => ({ id: `s${i}`, action: 'http', with: { url: `${env.target.url}/step/${i}` }, ...(i >= LANES ? { needs: [`s${i - LANES}`] } : {}) }));
    const run = await startRun(env.lb, { steps });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps.filter((s) => s.status === 'succeeded')).toHaveLength(2000);
    expect(env.target.calls).toHaveLength(2000); // no step ran twice across the continuations

    const events = await run.events();
    const continued = events.filter((e) => e.type === 'run.continued');
    expect(continued.length).toBeGreaterThanOrEqual(1);
    // Every step started and succeeded exactly once across all workflow runs, with no gap in the sequence.
    expect(events.filter((e) => e.type === 'step.succeeded').map((e) => e.stepId).sort()).toEqual(steps.map((s) => s.id).sort());
    expect(events.filter((e) => e.type === 'step.started')).toHaveLength(2000);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(await verifyTimeline(env.lb.store.db, run.runId)).toMatchObject({ ok: true, events: events.length });

    const description = await run.handle.describe();
    expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
  }, 600_000);
});
