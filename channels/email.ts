import type { SchemaKit } from '../model/kit';
import { defineChannel, hearsListed, redactUrl, type ConfigReport } from './kit';

const schemas = (k: SchemaKit) => {
  const { z } = k;
  const recipients = z.array(k.Email).min(1).describe('The email addresses to write to.');
  return {
    rule: z.strictObject({
      channel: z.literal('email').describe('Send email through the SMTP server the worker is configured with.'),
      recipients,
      events: z.array(k.Event).min(1).describe('The run events to send an email for.'),
    }),
    step: z.strictObject({
      channel: z.literal('email').describe('Send an email.'),
      recipients,
      subject: z.string().optional().describe('The subject line; templates allowed.'),
      body: z.string().describe('The message text; templates allowed.'),
    }),
    target: z.object({ channel: z.literal('email'), to: z.array(z.string()).min(1) }),
    config: {
      SMTP_URL: z
        .string()
        .trim()
        .min(1)
        .optional()
        .refine((v) => v === undefined || v.startsWith('smtp://') || v.startsWith('smtps://'), { message: 'SMTP_URL must start with smtp:// or smtps://' }),
      MAIL_FROM: z.string().trim().min(1).default('Lifeboat <lifeboat@localhost>'),
      /** Comma-separated emails told of every failure (run.failed, step.failed, decision.needed), whatever the runbook says. */
      LIFEBOAT_NOTIFY_EMAIL: k.commaList().pipe(z.array(z.email({ error: 'LIFEBOAT_NOTIFY_EMAIL must be a comma-separated list of email addresses' }))),
    },
  };
};

/** Email through nodemailer to SMTP_URL: one message per recipient, so a bad address cannot hold up the others. */
export const email = defineChannel({
  name: 'email',
  schemas,
  hears: (rule, event) => hearsListed(rule.events, event),
  ruleTargets: (rule) => targetsOf(rule.recipients),
  stepTargets: (w) => targetsOf(w.recipients),
  targetKey: (target) => target.to.map(normalEmail).join(','),
  targetName: (target) => target.to.map(normalEmail).join(','),
  defaultRules: (config, events) => (config.LIFEBOAT_NOTIFY_EMAIL.length ? [{ channel: 'email', recipients: config.LIFEBOAT_NOTIFY_EMAIL, events }] : []),
  configSecrets: () => [],
  check(config, tools) {
    const report: ConfigReport = { errors: [], warnings: [] };
    if (config.SMTP_URL) smtpUrlReport(config.SMTP_URL, report);
    const from = tools.addresses(config.MAIL_FROM);
    if (from.length !== 1 || !/^[^\s@]+@[^\s@]+$/.test(from[0] ?? '')) {
      report.errors.push(`MAIL_FROM: '${config.MAIL_FROM}' is not one email address; write it as Lifeboat <lifeboat@example.com>`);
    }
    return report;
  },
  async deliver(d, config, io) {
    const { message, rendered } = d;
    const answer = await io.sendMail({
      from: config.MAIL_FROM,
      to: d.target.to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers: { 'X-Lifeboat-Key': d.key, 'X-Lifeboat-Event': message.event, 'X-Lifeboat-Run': message.runId, 'Auto-Submitted': 'auto-generated' },
    });
    if (answer.ok) return { messageId: answer.messageId };
    // A permanent refusal (5xx, such as an unknown mailbox) will not change on a retry; anything else may.
    if (answer.code !== undefined && answer.code >= 500 && answer.code < 600) {
      throw io.failure(`email to ${d.name} was refused by the SMTP server: ${answer.reason}`, 'EmailRejected', { retryable: false });
    }
    throw io.failure(`email to ${d.name} could not be sent: ${answer.reason}`, 'EmailFailed', { retryable: true });
  },
});

/** The targets of a list of recipients: one each, trimmed, blanks dropped. */
export function targetsOf(recipients: readonly string[]): Array<{ channel: 'email'; to: string[] }> {
  return recipients
    .map((r) => r.trim())
    .filter((to) => to !== '')
    .map((to) => ({ channel: 'email', to: [to] }));
}

function normalEmail(address: string): string {
  return address.trim().toLowerCase();
}

function smtpUrlReport(url: string, { errors, warnings }: ConfigReport): void {
  const shown = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    errors.push(
      `SMTP_URL: '${shown}' cannot be parsed as a URL; write it as smtp://user:password@host:587 or smtps://user:password@host:465 (percent-encode @ : / in the password)`,
    );
    return;
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') errors.push(`SMTP_URL: '${shown}' must start with smtp:// or smtps://`);
  if (!parsed.hostname) errors.push(`SMTP_URL: '${shown}' has no host`);
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    errors.push(`SMTP_URL: the user or password in '${shown}' has a malformed %-escape`);
  }
  if (parsed.protocol === 'smtps:' && parsed.port === '587') {
    warnings.push(`SMTP_URL: port 587 normally speaks STARTTLS, not TLS from the start; use smtp://…:587 (upgraded with STARTTLS) or smtps://…:465`);
  }
  if (parsed.protocol === 'smtp:' && parsed.port === '465') {
    warnings.push(`SMTP_URL: port 465 normally expects TLS from the start; use smtps://…:465`);
  }
}
