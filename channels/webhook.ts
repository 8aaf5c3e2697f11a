import type { SchemaKit } from '../model/kit';
import { hasTemplate } from '../model/template';
import { actionLinks } from '../notify/actions';
import type { NotificationMessage, RenderedNotification } from '../notify/message';
import { defineChannel, fnv1a, hearsListed, redactUrl, type ConfigReport } from './kit';

// Statuses that say "try again later"; any other non-2xx answer will not change on a retry.
const TRANSIENT = new Set([408, 425, 429]);

const schemas = (k: SchemaKit) => {
  const { z } = k;
  const format = z.enum(['json', 'chat']);
  return {
    rule: z
      .strictObject({
        channel: z.literal('webhook').describe('POST a JSON message to a URL.'),
        // Chat webhook URLs are often credentials themselves, so they may come from a secret.
        url: k
          .staticOr(k.HTTP_URL, 'expected an http:// or https:// URL, or {{ secrets.NAME }} when the URL is a secret')
          .describe('Where to POST: an http(s) URL, or {{ secrets.NAME }}.'),
        events: z.array(k.Event).min(1).describe('The run events to send a message for.'),
        format: format.default('json').describe("json (Lifeboat's event, signed) or chat (a text message for Slack-style chat webhooks)."),
      })
      .superRefine(wholeUrl),
    step: z
      .strictObject({
        channel: z.literal('webhook').describe('POST a message to a URL.'),
        url: k.Url.describe('Where to POST: an http(s) URL.'),
        subject: z.string().optional().describe('A title for the message; templates allowed.'),
        body: z.string().describe('The message text; templates allowed.'),
      })
      .superRefine(wholeUrl),
    target: z.object({ channel: z.literal('webhook'), url: z.string(), format: format.default('json') }),
    config: {
      /** A webhook told of every failure, like LIFEBOAT_NOTIFY_EMAIL. */
      LIFEBOAT_NOTIFY_WEBHOOK: z.url({ protocol: /^https?$/, error: 'LIFEBOAT_NOTIFY_WEBHOOK must be an http(s) URL' }).optional(),
      /** Key of the X-Lifeboat-Signature HMAC on every webhook; webhooks go unsigned without it. */
      LIFEBOAT_WEBHOOK_SECRET: z
        .string()
        .trim()
        .optional()
        // Compose files pass unset variables as empty strings: treat those as unset.
        .transform((v) => v || undefined)
        .refine((v) => v === undefined || v.length >= 16, 'LIFEBOAT_WEBHOOK_SECRET must be at least 16 characters'),
      /** Payload of LIFEBOAT_NOTIFY_WEBHOOK: `json` (every field) or `chat` (a `text` for Slack/Mattermost/Teams-style hooks). */
      LIFEBOAT_NOTIFY_WEBHOOK_FORMAT: format.default('json'),
    },
  };
};

// The schema checks only how a URL starts; a URL without templates is parsed whole here (hosts, ports, escapes),
// so one that could never be sent to is refused when the runbook is validated, not in the middle of a recovery.
function wholeUrl(w: { url: unknown }, ctx: { addIssue(issue: { code: 'custom'; message: string; path: string[] }): void }): void {
  // A URL that is not even http(s) already has its issue from the field's own pattern: one mistake, one issue.
  if (typeof w.url !== 'string' || hasTemplate(w.url) || !/^https?:\/\//i.test(w.url)) return;
  const problem = webhookUrlProblem(w.url);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['url'] });
}

/** A signed HTTP POST of a JSON body, in one of two formats (every fact, or a chat paragraph). */
export const webhook = defineChannel({
  name: 'webhook',
  schemas,
  hears: (rule, event) => hearsListed(rule.events, event),
  ruleTargets: (rule) => [{ channel: 'webhook', url: rule.url.trim(), format: rule.format }],
  stepTargets: (w) => [{ channel: 'webhook', url: w.url.trim(), format: 'json' }],
  targetKey: (target) => target.url.trim(),
  // A webhook URL can itself be a credential (chat incoming-webhook URLs are), so it is shown as its origin plus a
  // hash of the whole URL.
  targetName(target) {
    const origin = /^https?:\/\/[^/?#\s]+/i.exec(target.url)?.[0];
    return `${origin ? `${origin.toLowerCase()}/…` : 'webhook'}#${fnv1a(target.url)}`;
  },
  defaultRules: (config, events) =>
    config.LIFEBOAT_NOTIFY_WEBHOOK ? [{ channel: 'webhook', url: config.LIFEBOAT_NOTIFY_WEBHOOK, events, format: config.LIFEBOAT_NOTIFY_WEBHOOK_FORMAT }] : [],
  configSecrets: (config) => [config.LIFEBOAT_WEBHOOK_SECRET],
  check(config) {
    const report: ConfigReport = { errors: [], warnings: [] };
    if (config.LIFEBOAT_NOTIFY_WEBHOOK) {
      const problem = webhookUrlProblem(config.LIFEBOAT_NOTIFY_WEBHOOK);
      if (problem) report.errors.push(`LIFEBOAT_NOTIFY_WEBHOOK: ${problem}`);
      if (!config.LIFEBOAT_WEBHOOK_SECRET) report.warnings.push('LIFEBOAT_WEBHOOK_SECRET is not set: webhooks are sent without an X-Lifeboat-Signature');
    }
    return report;
  },
  async deliver(d, config, io) {
    const body = d.scrub(JSON.stringify(webhookPayload(d.message, d.rendered, d.target.format, { publicUrl: d.publicUrl })));
    const answer = await io.post({
      url: d.target.url,
      body,
      headers: { 'x-lifeboat-event': d.message.event, 'x-lifeboat-delivery': d.deliveryId },
      signature: { secret: config.LIFEBOAT_WEBHOOK_SECRET },
    });
    // Errors name the webhook by d.name: its URL may be a credential.
    if ('unreachable' in answer) throw io.failure(`webhook ${d.name} could not be reached: ${answer.unreachable}`, 'WebhookFailed', { retryable: true });
    const { status } = answer;
    if (status >= 200 && status < 300) return { status };
    const message = `webhook ${d.name} answered ${status}${status >= 300 && status < 400 ? ' (redirects are not followed: configure the final URL)' : ''}`;
    const retryable = status >= 500 || TRANSIENT.has(status);
    throw io.failure(message, retryable ? 'WebhookFailed' : 'WebhookRejected', { retryable, details: { status } });
  },
});

/**
 * The JSON a webhook receives. `json`: every fact, plus the plain text; `chat`: a `text` paragraph that Slack,
 * Mattermost and Teams-style incoming webhooks show, plus the identifying fields (no names those services reserve).
 */
export function webhookPayload(
  message: NotificationMessage,
  rendered: RenderedNotification,
  format: 'json' | 'chat',
  options: { publicUrl?: string } = {},
): Record<string, unknown> {
  const common = {
    event: message.event,
    runId: message.runId,
    runbook: { id: message.runbookId, title: message.runbookTitle },
    mode: message.mode,
    at: message.at,
    step: message.stepId === undefined ? null : { id: message.stepId, title: message.stepTitle ?? null },
    url: actionLinks(message.event, message.runId, message.stepId, options.publicUrl).runUrl ?? null,
  };
  if (format === 'chat') return { text: rendered.chat, ...common };
  return { ...common, detail: message.detail, subject: rendered.subject, text: rendered.text };
}

/** Why a URL cannot take a webhook POST, or undefined when it can. */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${redactUrl(url)}' is not a valid URL; write it as https://host[:port]/path`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `'${redactUrl(url)}' is a ${parsed.protocol.slice(0, -1)} URL; webhooks need http:// or https://`;
  if (!parsed.hostname) return `'${redactUrl(url)}' has no host`;
  return undefined;
}
