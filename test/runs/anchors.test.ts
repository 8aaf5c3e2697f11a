import { Client, Connection } from '@temporalio/client';
import { temporalAnchors } from '../../runs/anchors';
import { readTimeline, verifyTimeline } from '../../store/timeline';
import { startRun, useLifeboat } from '../harness/runs';

// Verification reads the signed heads Temporal holds from the run's whole history. A wide run's history is larger than
// one gRPC message (its events carry the steps' inputs), so reading it as the server pages it by default fails with
// RESOURCE_EXHAUSTED, and the run can never be verified. Here the client may receive 512 kB per message and the run's
// history is well over that: the read must still find every head.

const env = useLifeboat();
const LIMIT = 512 * 1024;

describe('the anchors of a run whose history is larger than a gRPC message', () => {
  it('reads every signed head of a history larger than the client may receive at once', async () => {
    // Forty sequential steps, each sending a 20 kB parameter: the history holds it in every step's scheduled event
    // (about 900 kB in all), the runbook and the start only once.
    const steps = Array.from({ length: 40 }, (_, i) => ({
      id: `s${i}`,
      action: 'http',
      with: { url: `${env.target.url}/s${i}`, method: 'POST', body: '{{ params.blob }}' },
      ...(i > 0 ? { needs: [`s${i - 1}`] } : {}),
    }));
    const run = await startRun(env.lb, { parameters: { blob: { type: 'string' } }, steps }, { parameters: { blob: 'x'.repeat(20 * 1024) } });
    expect((await run.result()).status).toBe('completed');

    // No retry interceptor: the SDK's retries RESOURCE_EXHAUSTED for about a minute before giving up.
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS!, channelArgs: { 'grpc.max_receive_message_length': LIMIT }, interceptors: [] });
    try {
      const small = new Client({ connection, namespace: env.lb.client.options.namespace });
      // What the server would send in one page is more than this client accepts (the read that used to fail).
      await expect(small.workflow.getHandle(run.runId).fetchHistory()).rejects.toMatchObject({ code: 8 });

      const anchors = await temporalAnchors(small, run.runId);
      const { events } = await readTimeline(env.lb.store.db, run.runId);
      expect(await verifyTimeline(env.lb.store.db, run.runId, anchors)).toMatchObject({ ok: true, events: events.length, anchor: { final: true } });
      expect(anchors.heads.length).toBeGreaterThanOrEqual(steps.length);
    } finally {
      await connection.close();
    }
  });
});
