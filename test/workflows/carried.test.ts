import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../activities';
import type { HttpRequest } from '../../activities/http';
import { loadConfig } from '../../config';
import { RunService } from '../../runs/service';
import { readTimeline, verifyTimeline } from '../../store/timeline';
import { workflowBundle } from '../harness/lifeboat';
import { registerRunbook, startRun, useLifeboat } from '../harness/runs';

// A step's activity stores the run's unwritten timeline events and first record beside its work (activities/carried.ts,
// PATCH.carriedRecords): a chain of steps needs no write activity of its own, and what a step's activity did not
// store (an older worker, a failed or slow store) the workflow still writes: no event is dropped.

const env = useLifeboat();

const chain = (url: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `s${i}`, action: 'http', with: { url: `${url}/s${i}` }, ...(i > 0 ? { needs: [`s${i - 1}`] } : {}) }));

async function activityTypes(runId: string): Promise<string[]> {
  const history = await env.lb.client.workflow.getHandle(runId).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ? [e.activityTaskScheduledEventAttributes!.activityType!.name!] : [],
  );
}

function expectWholeChain(types: string[], steps: number): void {
  const expected = ['run.started', ...Array.from({ length: steps }, () => ['step.started', 'step.succeeded']).flat(), 'recovery.achieved', 'run.completed'];
  expect(types).toEqual(expected);
}

describe('run records carried by step activities', () => {
  it('stores a chain of http steps through the steps’ own activities: no timeline or record activity, every event there and verified', async () => {
    const run = await startRun(env.lb, { steps: chain(env.target.url, 4) });
    expect((await run.result()).status).toBe('completed');
    expect(await activityTypes(run.runId)).toEqual(['verifyRunStart', 'httpRequest', 'httpRequest', 'httpRequest', 'httpRequest']);
    const { events } = await readTimeline(env.lb.store.db, run.runId);
    expectWholeChain(
      events.map((e) => e.type),
      4,
    );
    const verified = await verifyTimeline(env.lb.store.db, run.runId, await run.service.anchors(run.runId));
    // Each step's activity answered the head it stored, signed: Temporal holds a head for every batch.
    expect(verified).toMatchObject({ ok: true, events: events.length, anchor: { final: true, heads: 5 } });
    expect((await run.service.get(run.runId)).record.status).toBe('completed');
  });

  it('still stores every event and the run record when the step activities store nothing of what they carry', async () => {
    // A worker whose http activity drops what it is handed, as one from before carried records would: the workflow
    // must notice that nothing was stored and write it all itself.
    const taskQueue = `carried-${randomUUID()}`;
    const config = loadConfig({ ...process.env });
    const activities = createActivities({ store: env.lb.store, config, smtpUrl: process.env.SMTP_URL!, env: process.env });
    const httpRequest = (input: HttpRequest & { expect?: number[] }) => activities.httpRequest({ ...input, records: undefined });
    const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    const worker = await Worker.create({ connection, taskQueue, workflowBundle: await workflowBundle(), activities: { ...activities, httpRequest } });
    try {
      await worker.runUntil(async () => {
        const runbook = await registerRunbook(env.lb, { steps: chain(env.target.url, 3) });
        const runs = new RunService({ client: env.lb.client, db: env.lb.store.db, taskQueue, signer: env.lb.signer });
        const { runId } = await runs.trigger({ runbook, mode: 'recovery' }, 'alice', { kind: 'api', by: 'alice' });
        expect((await env.lb.client.workflow.getHandle(runId).result()).status).toBe('completed');
        const { events } = await readTimeline(env.lb.store.db, runId);
        expectWholeChain(
          events.map((e) => e.type),
          3,
        );
        expect(await verifyTimeline(env.lb.store.db, runId, await runs.anchors(runId))).toMatchObject({ ok: true, events: events.length });
        expect((await runs.get(runId)).record).toMatchObject({ status: 'completed', runbookId: runbook });
        expect(await activityTypes(runId)).toEqual(expect.arrayContaining(['recordRun', 'appendTimelineEvents']));
      });
    } finally {
      await connection.close();
    }
  });
});
