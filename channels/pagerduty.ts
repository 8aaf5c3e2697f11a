import type { SchemaKit } from '../model/kit';
import { actionLinks } from '../notify/actions';
import type { NotificationMessage, RenderedNotification } from '../notify/message';
import { defineChannel, type DeliveryIO } from './kit';

// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/): an alert is
// triggered under a dedup_key and later resolved under the same key, through the same routing key.

const TRIGGERS = ['step.failed', 'run.failed', 'approval.escalated', 'decision.needed'] as const;
const SECRET = /^\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;
const SEVERITY: Partial<Record<string, Severity>> = { 'run.failed': 'critical', 'step.failed': 'error', 'decision.needed': 'error', 'approval.escalated': 'warning' };
type Severity = 'critical' | 'error' | 'warning' | 'info';
const MAX_SUMMARY = 1024;

const schemas = (k: SchemaKit) => {
  const { z } = k;
  // A routing key lets anyone page the on-call: it may only come from a secret, resolved inside the activity, so
  // it never enters workflow history, the timeline or a delivery record.
  const routingKey = z.string().regex(SECRET, {
    error: "expected {{ secrets.NAME }}: a PagerDuty routing key is a credential, so it comes from the worker's LIFEBOAT_SECRET_NAME",
  });
  return {
    rule: z.strictObject({
      channel: z.literal('pagerduty').describe('Open (and resolve) a PagerDuty incident through the Events API v2.'),
      routingKey: routingKey.describe("The integration's routing key, as {{ secrets.NAME }}."),
      events: z
        .array(z.enum(TRIGGERS))
        .min(1)
        .default([...TRIGGERS])
        .describe('The run events that page (default: all of them).'),
    }),
    step: undefined,
    target: z.object({ channel: z.literal('pagerduty'), routingKey: z.string() }),
    config: {
      /** The Events API v2 endpoint (an EU account uses https://events.eu.pagerduty.com/v2/enqueue). */
      LIFEBOAT_PAGERDUTY_URL: z.url({ protocol: /^https?$/, error: 'LIFEBOAT_PAGERDUTY_URL must be an http(s) URL' }).default('https://events.pagerduty.com/v2/enqueue'),
    },
  };
};

/** PagerDuty: failures trigger an alert per run and step; the run's completion resolves what it triggered. */
export const pagerduty = defineChannel({
  name: 'pagerduty',
  schemas,
  // Every rule hears the run's completion: that is when the alerts the run triggered are resolved.
  hears: (rule, event) => event === 'run.completed' || rule.events.some((e) => e === event),
  ruleTargets: (rule) => [{ channel: 'pagerduty', routingKey: rule.routingKey.trim() }],
  stepTargets: undefined,
  targetKey: (target) => target.routingKey,
  targetName: (target) => `pagerduty:${SECRET.exec(target.routingKey)?.[1] ?? 'routing-key'}`,
  defaultRules: () => [],
  configSecrets: () => [],
  check: () => ({ errors: [], warnings: [] }),
  async deliver(d, config, io) {
    const send = (event: PagerDutyEvent) => sendEvent(event, config.LIFEBOAT_PAGERDUTY_URL, d.name, io);
    const { routingKey } = d.target;
    if (d.message.event === 'run.completed') {
      // The note comes first: a trigger that lands after we read the notes sees it and resolves itself.
      await io.note('resolving');
      const triggered = new Set((await io.notes()).filter((n) => n.event !== 'run.completed').map((n) => n.value));
      let status: number | undefined;
      for (const dedupKey of triggered) status = await send(resolveEvent(routingKey, dedupKey));
      return status === undefined ? {} : { status };
    }
    const event = triggerEvent(d, routingKey);
    const status = await send(event);
    await io.note(event.dedup_key);
    if ((await io.notes()).some((n) => n.event === 'run.completed')) await send(resolveEvent(routingKey, event.dedup_key));
    return { status };
  },
});

/** An Events API v2 event. */
export type PagerDutyEvent = {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: Severity;
    timestamp: string;
    component?: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: Array<{ href: string; text: string }>;
  client?: string;
  client_url?: string;
};

/** One alert per run and step (per run for run.failed), so repeats of a step's trouble land on the same alert. */
export function dedupKeyOf(message: Pick<NotificationMessage, 'runId' | 'stepId'>): string {
  return message.stepId === undefined ? message.runId : `${message.runId}/${message.stepId}`;
}

/** The trigger for a message: its subject as the summary (`[DRILL] …` in a drill, at severity info), every fact in custom_details. */
export function triggerEvent(d: { message: NotificationMessage; rendered: RenderedNotification; publicUrl?: string }, routingKey: string): PagerDutyEvent & { payload: object } {
  const { message, rendered } = d;
  const drill = message.mode === 'drill';
  const tag = drill && !rendered.subject.startsWith('[DRILL]') ? '[DRILL] ' : '';
  const runUrl = actionLinks(message.event, message.runId, message.stepId, d.publicUrl).runUrl;
  const severity: Severity = drill ? 'info' : (SEVERITY[message.event] ?? 'error');
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKeyOf(message),
    payload: {
      summary: `${tag}${rendered.subject}`.slice(0, MAX_SUMMARY),
      source: `lifeboat/${message.runbookId}`,
      severity,
      timestamp: message.at,
      ...(message.stepId === undefined ? {} : { component: message.stepId }),
      group: message.runbookId,
      class: message.event,
      custom_details: {
        run: message.runId,
        runbook: message.runbookTitle,
        mode: message.mode,
        ...(message.stepId === undefined ? {} : { step: message.stepTitle ? `${message.stepTitle} (${message.stepId})` : message.stepId }),
        ...message.detail,
        text: rendered.text,
      },
    },
    ...(runUrl === undefined ? {} : { links: [{ href: runUrl, text: 'Open the run in Lifeboat' }], client_url: runUrl }),
    client: 'Lifeboat',
  };
}

/** The resolve of an alert this run triggered. */
export function resolveEvent(routingKey: string, dedupKey: string): PagerDutyEvent {
  return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
}

// 202 is the only success; 429 and 5xx say "try again later"; 400 (invalid event) and other answers will not change.
async function sendEvent(event: PagerDutyEvent, url: string, name: string, io: DeliveryIO): Promise<number> {
  // Not scrubbed as a whole: the routing key is a secret value. Its other parts come from the scrubbed message.
  const answer = await io.post({ url, body: JSON.stringify(event), headers: {} });
  const what = `PagerDuty ${event.event_action} for ${name}`;
  if ('unreachable' in answer) throw io.failure(`${what} could not be sent: ${answer.unreachable}`, 'PagerDutyFailed', { retryable: true });
  const { status } = answer;
  if (status >= 200 && status < 300) return status;
  const message = `${what} answered ${status}${reasonOf(answer.text)}`;
  const retryable = status === 429 || status >= 500;
  throw io.failure(message, retryable ? 'PagerDutyFailed' : 'PagerDutyRejected', { retryable, details: { status } });
}

// PagerDuty explains a rejection as {"status":"invalid event","message":…,"errors":[…]}.
function reasonOf(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null) return '';
    const message = Reflect.get(body, 'message');
    const errors = Reflect.get(body, 'errors');
    const parts = [typeof message === 'string' ? message : undefined, ...(Array.isArray(errors) ? errors.map(String) : [])].filter((p) => p !== undefined);
    return parts.length ? `: ${parts.join('; ')}` : '';
  } catch {
    return '';
  }
}
