import { temporal } from '@temporalio/proto';
import { STEP_OUTPUTS_BYTES } from '../../runs/outputs';
import { readTimeline, verifyTimeline } from '../../store/timeline';
import { startRun, useLifeboat } from '../harness/runs';

// A target may answer each step with up to LIFEBOAT_HTTP_MAX_BODY (1 MiB). Everything a step keeps lands in Temporal
// payloads — its activity's result, its step.succeeded event, every continuation's input, the run's result, which
// Temporal refuses past 2 MB (the run then fails with no final record) — so a step keeps only what its outputs select,
// a step at most 64 KiB of them and a run at most 256 KiB (runs/outputs.ts, PATCH.boundedPayloads).

const BIG = 700 * 1024;
const OUTPUT = 60 * 1024;
const env = useLifeboat((path) => {
  if (path.startsWith('/big')) return { status: 200, body: { id: path, data: 'x'.repeat(BIG) } };
  if (path.startsWith('/sixty')) return { status: 200, body: { id: path, data: 'y'.repeat(OUTPUT) } };
  return { status: 200, body: { ok: true } };
});

const chain = (n: number, step: (i: number) => Record<string, unknown>) =>
  Array.from({ length: n }, (_, i) => ({ id: `s${i}`, action: 'http', ...step(i), ...(i > 0 ? { needs: [`s${i - 1}`] } : {}) }));

/** The largest event of the run's history, encoded as the server stores it. */
async function largestEvent(runId: string): Promise<number> {
  const history = await env.lb.client.workflow.getHandle(runId).fetchHistory();
  return Math.max(...(history.events ?? []).map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length));
}

describe('what a step keeps of large answers', () => {
  it('keeps only what its outputs select, so large answers do not pile up in the run’s history', async () => {
    const tag = Date.now();
    const run = await startRun(env.lb, { steps: chain(4, (i) => ({ with: { url: `${env.target.url}/big/${tag}/${i}` }, outputs: { id: 'body.id', status: 'status' } })) });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps.map((s) => s.outputs)).toEqual([0, 1, 2, 3].map((i) => ({ id: `/big/${tag}/${i}`, status: 200 })));
    // Each 700 KiB answer stayed in the activity: no event holds it.
    expect(await largestEvent(run.runId)).toBeLessThan(20 * 1024);
  });

  it('fails a step whose outputs would hold more than a step may keep, once, and says why and that the call was made', async () => {
    const url = `${env.target.url}/big/${Date.now()}/whole`;
    const run = await startRun(env.lb, {
      steps: [
        { id: 'dump', action: 'http', with: { url }, outputs: { data: 'body.data', id: 'body.id' }, retry: { attempts: 3, backoff: '100ms' } },
        { id: 'after', action: 'http', with: { url: `${env.target.url}/after` }, needs: ['dump'] },
      ],
    });
    const final = await run.result();
    expect(final.status).toBe('failed');
    const [dump, after] = final.steps;
    expect(dump).toMatchObject({ status: 'failed', attempts: 1 });
    expect(dump!.error).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/big\/\d+\/whole \(200\) succeeded, but its outputs hold 700(\.\d)? KiB \(data 700(\.\d)? KiB, id \d+ bytes\), over the 64 KiB a step may keep/,
    );
    // Not retried: the call was made, and a retry would make it again.
    expect(env.target.count(new URL(url).pathname)).toBe(1);
    expect(after!.status).toBe('cancelled');
    expect(await largestEvent(run.runId)).toBeLessThan(20 * 1024);
  });

  it('ends a run whose steps’ outputs together would outgrow what a run may keep, with its final record and a verified timeline', async () => {
    // 40 outputs of 60 KiB: 2.4 MB together, past Temporal's 2 MB for a run's result, with each step under 64 KiB.
    const tag = Date.now();
    const run = await startRun(env.lb, { steps: chain(40, (i) => ({ with: { url: `${env.target.url}/sixty/${tag}/${i}` }, outputs: { data: 'body.data' } })) });
    const final = await run.result();
    expect(OUTPUT).toBeLessThan(STEP_OUTPUTS_BYTES);
    expect(final.status).toBe('failed');
    // Four steps keep 240 KiB; the fifth would pass 256 KiB.
    expect(final.steps.slice(0, 4).map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(final.steps[4]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(final.steps[4]!.error).toMatch(
      /^the step succeeded, but its outputs hold 60 KiB, and with the 240 KiB the run's earlier steps keep that is over the 256 KiB a run may keep/,
    );
    expect(final.steps.slice(5).every((s) => s.status === 'cancelled')).toBe(true);
    expect((await run.service.get(run.runId)).record.status).toBe('failed');
    const { events } = await readTimeline(env.lb.store.db, run.runId);
    expect(events.at(-1)!.type).toBe('run.failed');
    expect(await verifyTimeline(env.lb.store.db, run.runId, await run.service.anchors(run.runId))).toMatchObject({ ok: true, events: events.length });
  });
});
