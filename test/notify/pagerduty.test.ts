// The pagerduty channel end to end: real runs on the suite's Temporal and FerretDB send Events API v2 events to a
// local stand-in for PagerDuty that checks their shape; the delivery activity is also driven directly for retries.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../activities';
import { loadConfig } from '../../config';
import type { DeliveryOutcome, NotificationDelivery, NotificationMessage } from '../../notify/types';
import type { Lifeboat } from '../../servers/lifeboat';
import { findDelivery } from '../../store/deliveries';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { startRun } from '../harness/runs';
import { startPagerDuty } from './pagerduty-receiver';

// 32 characters, as PagerDuty's routing keys are (the stand-in refuses any other length).
const ROUTING_KEY = `pdkey${randomUUID().replace(/-/g, '').slice(0, 27)}`;
const PUBLIC = 'https://lifeboat.example.test';
const RULE = { channel: 'pagerduty', routingKey: '{{ secrets.PD_ROUTING_KEY }}' };

let pd: Awaited<ReturnType<typeof startPagerDuty>>;
let lb: Lifeboat & { taskQueue: string; adminToken: string };
beforeAll(async () => {
  pd = await startPagerDuty();
  // The worker resolves {{ secrets.NAME }} from its environment (LIFEBOAT_SECRET_NAME).
  process.env.LIFEBOAT_SECRET_PD_ROUTING_KEY = ROUTING_KEY;
  lb = await startTestLifeboat({ LIFEBOAT_PAGERDUTY_URL: pd.url, LIFEBOAT_PUBLIC_URL: PUBLIC });
});
afterAll(async () => {
  await lb?.stop();
  await pd?.stop();
  delete process.env.LIFEBOAT_SECRET_PD_ROUTING_KEY;
});

// Temporal payloads are bytes: decode them so a search of the history sees what was stored.
const historyText = async (run: Awaited<ReturnType<typeof startRun>>): Promise<string> => {
  const texts: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) texts.push(Buffer.from(v).toString('utf8'));
    else if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  walk(await run.handle.fetchHistory());
  return texts.join('\n');
};

describe('pagerduty notifications of a run', () => {
  it.each([
    { mode: 'recovery' as const, summary: 'Step failed: boom in Paging run', severity: 'error' },
    { mode: 'drill' as const, summary: '[DRILL] Step failed: boom in Paging run', severity: 'info' },
  ])('in $mode mode, triggers on a failing step with a dedup key and resolves it when the run completes', async ({ mode, summary, severity }) => {
    const run = await startRun(
      lb,
      {
        title: 'Paging run',
        notifications: [{ ...RULE, events: ['step.failed'] }],
        steps: [
          { id: 'boom', action: 'http', with: { url: 'http://127.0.0.1:1/down' }, onFailure: 'continue' },
          { id: 'after', action: 'wait', needs: ['boom'], with: { duration: '10ms' } },
        ],
      },
      { mode },
    );
    expect((await run.result()).status).toBe('completed');

    const events = pd.eventsOf(run.runId);
    expect(events).toEqual([
      expect.objectContaining({
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: `${run.runId}/boom`,
        payload: expect.objectContaining({ summary, severity, source: `lifeboat/${run.runbook}`, class: 'step.failed', component: 'boom' }),
        links: [{ href: `${PUBLIC}/runs/${run.runId}`, text: 'Open the run in Lifeboat' }],
      }),
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `${run.runId}/boom` },
    ]);
    expect(pd.received.filter((r) => r.problems.length > 0)).toEqual([]);

    const timeline = await apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` }).get(`/runs/${encodeURIComponent(run.runId)}/timeline`);
    expect(timeline.status).toBe(200);
    const sent = timeline.body.events.filter((e: { type: string }) => e.type === 'notification.sent').map((e: { detail: unknown }) => e.detail);
    expect(sent).toEqual([
      expect.objectContaining({ event: 'step.failed', channel: 'pagerduty', target: 'pagerduty:PD_ROUTING_KEY' }),
      expect.objectContaining({ event: 'run.completed', channel: 'pagerduty', target: 'pagerduty:PD_ROUTING_KEY' }),
    ]);
    expect(JSON.stringify(timeline.body)).not.toContain(ROUTING_KEY);
    const history = await historyText(run);
    expect(history).toContain('{{ secrets.PD_ROUTING_KEY }}');
    expect(history).not.toContain(ROUTING_KEY);
  });

  it('leaves the alerts of a failed run open', async () => {
    const run = await startRun(lb, {
      title: 'Failing run',
      notifications: [RULE],
      steps: [{ id: 'boom', action: 'http', with: { url: 'http://127.0.0.1:1/down' } }],
    });
    expect((await run.result()).status).toBe('failed');
    const events = pd.eventsOf(run.runId);
    expect(events.map((e) => [e.event_action, e.dedup_key])).toEqual(
      expect.arrayContaining([
        ['trigger', `${run.runId}/boom`],
        ['trigger', run.runId],
      ]),
    );
    expect(events).toHaveLength(2);
    expect(events.find((e) => e.dedup_key === run.runId)).toMatchObject({ payload: { severity: 'critical', summary: 'Run failed: Failing run' } });
  });
});

describe('sendNotification to pagerduty', () => {
  const acts = () =>
    createActivities({
      store: lb.store,
      config: loadConfig({ ...process.env, LIFEBOAT_PAGERDUTY_URL: pd.url }),
      smtpUrl: process.env.SMTP_URL ?? '',
      env: process.env,
    });
  const send = (delivery: NotificationDelivery): Promise<DeliveryOutcome> => {
    const a = acts();
    return new MockActivityEnvironment().run<[NotificationDelivery], DeliveryOutcome, typeof a.sendNotification>(a.sendNotification, delivery);
  };
  const delivery = (runId: string, event: NotificationMessage['event'], stepId?: string): NotificationDelivery => ({
    key: `${runId}/${randomUUID()}/pagerduty:PD_ROUTING_KEY`,
    target: { channel: 'pagerduty', routingKey: '{{ secrets.PD_ROUTING_KEY }}' },
    message: { event, runId, runbookId: 'orders-db-failover', runbookTitle: 'Orders DB failover', mode: 'recovery', at: new Date().toISOString(), stepId, detail: {} },
    secrets: [{ path: ['routingKey'], parts: [{ secret: 'PD_ROUTING_KEY' }] }],
  });
  const failureOf = async (promise: Promise<unknown>): Promise<ApplicationFailure> => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
    return err;
  };

  it('retries while PagerDuty answers 429 or 5xx, then records one delivery', async () => {
    const d = delivery(`pd-retry-${randomUUID()}`, 'step.failed', 'promote');
    pd.answerNext(429, 502);
    for (const status of [429, 502]) {
      const failure = await failureOf(send(d));
      expect([failure.nonRetryable, failure.type, failure.message]).toEqual([false, 'PagerDutyFailed', expect.stringContaining(`answered ${status}`)]);
      await expect(findDelivery(lb.store.db, d.key)).resolves.toBeUndefined();
    }
    await expect(send(d)).resolves.toEqual({ status: 'sent', target: 'pagerduty:PD_ROUTING_KEY' });
    await expect(send(d)).resolves.toEqual({ status: 'duplicate', target: 'pagerduty:PD_ROUTING_KEY' });
    expect(pd.received.filter((r) => r.event?.dedup_key === `${d.message.runId}/promote`).map((r) => [r.event?.event_action, r.answered])).toEqual([
      ['trigger', 429],
      ['trigger', 502],
      ['trigger', 202],
    ]);
    await expect(findDelivery(lb.store.db, d.key)).resolves.toMatchObject({ channel: 'pagerduty', status: 202 });
  });

  it('gives up at once on an event PagerDuty refuses as invalid (400), saying why', async () => {
    const d = delivery(`pd-invalid-${randomUUID()}`, 'step.failed', 'promote');
    pd.answerNext(400);
    const failure = await failureOf(send(d));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('PagerDutyRejected');
    expect(failure.message).toMatch(/answered 400: Event object is invalid/);
    expect(failure.message).not.toContain(ROUTING_KEY);
  });

  it('resolves a trigger that lands after the run completion was handled', async () => {
    const runId = `pd-late-${randomUUID()}`;
    // The completion finds nothing to resolve yet, and sends nothing.
    await expect(send(delivery(runId, 'run.completed'))).resolves.toMatchObject({ status: 'sent' });
    expect(pd.eventsOf(runId)).toEqual([]);
    await send(delivery(runId, 'decision.needed', 'promote'));
    expect(pd.eventsOf(runId).map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', `${runId}/promote`],
      ['resolve', `${runId}/promote`],
    ]);
  });
});
