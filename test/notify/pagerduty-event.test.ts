import { pagerduty, resolveEvent, triggerEvent } from '../../channels/pagerduty';
import { loadRunbook } from '../../model/load';
import type { NotificationMessage } from '../../notify/message';
import { renderNotification } from '../../notify/render';
import { routeNotification, targetName } from '../../notify/route';
import { PagerDutyEvent } from './pagerduty-receiver';

const PUBLIC = 'https://lifeboat.example.com';
const KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const RUN = 'orders-db-failover-20261124-101500-3fa2c1';

function message(o: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    event: 'step.failed',
    runId: RUN,
    runbookId: 'orders-db-failover',
    runbookTitle: 'Orders DB failover',
    mode: 'recovery',
    at: '2026-11-24T10:16:02.000Z',
    stepId: 'promote',
    stepTitle: 'Promote the replica',
    detail: { error: 'POST /promote answered 503', attempts: 3 },
    ...o,
  };
}
const trigger = (m: NotificationMessage, o: { publicUrl?: string } = { publicUrl: PUBLIC }) =>
  triggerEvent({ message: m, rendered: renderNotification(m, o), publicUrl: o.publicUrl }, KEY);

describe('triggerEvent', () => {
  it('builds an Events API v2 trigger keyed by run and step, with every fact and a link to the run', () => {
    const event = trigger(message());
    expect(event).toEqual({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: `${RUN}/promote`,
      payload: {
        summary: 'Step failed: Promote the replica (promote) in Orders DB failover',
        source: 'lifeboat/orders-db-failover',
        severity: 'error',
        timestamp: '2026-11-24T10:16:02.000Z',
        component: 'promote',
        group: 'orders-db-failover',
        class: 'step.failed',
        custom_details: {
          run: RUN,
          runbook: 'Orders DB failover',
          mode: 'recovery',
          step: 'Promote the replica (promote)',
          error: 'POST /promote answered 503',
          attempts: 3,
          text: expect.stringContaining('Error: POST /promote answered 503'),
        },
      },
      links: [{ href: `${PUBLIC}/runs/${RUN}`, text: 'Open the run in Lifeboat' }],
      client: 'Lifeboat',
      client_url: `${PUBLIC}/runs/${RUN}`,
    });
    expect(PagerDutyEvent.safeParse(event).error).toBeUndefined();
  });

  it('marks a drill with [DRILL] in the summary and severity info', () => {
    const event = trigger(message({ mode: 'drill' }));
    expect(event.payload.summary).toBe('[DRILL] Step failed: Promote the replica (promote) in Orders DB failover');
    expect(event.payload.severity).toBe('info');
    expect(trigger(message({ event: 'run.failed', stepId: undefined, mode: 'drill' })).payload.severity).toBe('info');
  });

  it('keys a run failure by the run alone, at severity critical', () => {
    const event = trigger(message({ event: 'run.failed', stepId: undefined, stepTitle: undefined, detail: { status: 'failed', error: 'step promote failed' } }));
    expect(event.dedup_key).toBe(RUN);
    expect(event.payload.severity).toBe('critical');
    expect(event.payload).not.toHaveProperty('component');
    expect(event.payload.summary).toBe('Run failed: Orders DB failover');
  });

  it('gives an escalation severity warning and a decision severity error', () => {
    expect(trigger(message({ event: 'approval.escalated', detail: { waitingMs: 60_000 } })).payload.severity).toBe('warning');
    expect(trigger(message({ event: 'decision.needed' })).payload.severity).toBe('error');
  });

  it('sends no link without LIFEBOAT_PUBLIC_URL', () => {
    const event = trigger(message(), {});
    expect(event).not.toHaveProperty('links');
    expect(event).not.toHaveProperty('client_url');
    expect(PagerDutyEvent.safeParse(event).error).toBeUndefined();
  });
});

describe('resolveEvent', () => {
  it('resolves an alert by its dedup key through the same routing key', () => {
    expect(resolveEvent(KEY, `${RUN}/promote`)).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: `${RUN}/promote` });
  });
});

describe('pagerduty rules', () => {
  const rule = { channel: 'pagerduty' as const, routingKey: '{{ secrets.PD_ROUTING_KEY }}', events: ['step.failed' as const] };

  it('hears the events it lists, and every run completion (to resolve)', () => {
    expect(routeNotification([rule], [], 'step.failed')).toEqual([{ channel: 'pagerduty', routingKey: '{{ secrets.PD_ROUTING_KEY }}' }]);
    expect(routeNotification([rule], [], 'run.completed')).toHaveLength(1);
    expect(routeNotification([rule], [], 'run.failed')).toEqual([]);
    expect(routeNotification([rule], [], 'run.started')).toEqual([]);
    expect(pagerduty.hears({ ...rule, events: ['run.failed'] }, 'run.failed')).toBe(true);
  });

  it('names a target by its secret, never the routing key', () => {
    expect(targetName({ channel: 'pagerduty', routingKey: '{{ secrets.PD_ROUTING_KEY }}' })).toBe('pagerduty:PD_ROUTING_KEY');
  });

  it('takes the routing key only from a secret, and listens to the four trigger events by default', () => {
    const src = (key: string, events = '') =>
      `id: t\ntitle: T\nnotifications:\n  - { channel: pagerduty, routingKey: "${key}"${events} }\nsteps:\n  - { id: a, action: wait, with: { duration: 1s } }\n`;
    const literal = loadRunbook(src(KEY));
    expect(literal.ok ? [] : literal.errors).toEqual([{ path: 'notifications[0].routingKey', line: 4, message: expect.stringContaining('expected {{ secrets.NAME }}') }]);
    const ok = loadRunbook(src('{{ secrets.PD_ROUTING_KEY }}'));
    if (!ok.ok) throw new Error(JSON.stringify(ok.errors));
    expect(ok.runbook.notifications).toEqual([
      { channel: 'pagerduty', routingKey: '{{ secrets.PD_ROUTING_KEY }}', events: ['step.failed', 'run.failed', 'approval.escalated', 'decision.needed'] },
    ]);
    const started = loadRunbook(src('{{ secrets.PD_ROUTING_KEY }}', ', events: [run.started]'));
    expect(started.ok).toBe(false);
  });
});
