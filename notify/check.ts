import addressparser from 'nodemailer/lib/addressparser';
import { ConfigError, type Config } from '../config';
import type { Problem } from '../model/issue';
import type { Runbook } from '../model/runbook';
import { hasTemplate } from '../model/template';
import { renderNotification } from './render';
import { MessageKind } from './types';

/** What is wrong with the notification settings (the process must not start) and what is merely doubtful. */
export interface NotificationConfigReport {
  errors: string[];
  warnings: string[];
}

/**
 * Checks everything notifications depend on, so a bad setting stops start-up instead of surfacing as a failed
 * email in the middle of a recovery: SMTP_URL, MAIL_FROM, the default webhook, LIFEBOAT_PUBLIC_URL, the templates.
 */
export function checkNotificationConfig(config: Config): NotificationConfigReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (config.SMTP_URL) smtpUrlReport(config.SMTP_URL, errors, warnings);
  const from = addressparser(config.MAIL_FROM, { flatten: true });
  if (from.length !== 1 || !/^[^\s@]+@[^\s@]+$/.test(from[0]?.address ?? '')) {
    errors.push(`MAIL_FROM: '${config.MAIL_FROM}' is not one email address; write it as Lifeboat <lifeboat@example.com>`);
  }
  if (config.LIFEBOAT_NOTIFY_WEBHOOK) {
    const problem = webhookUrlProblem(config.LIFEBOAT_NOTIFY_WEBHOOK);
    if (problem) errors.push(`LIFEBOAT_NOTIFY_WEBHOOK: ${problem}`);
    if (!config.LIFEBOAT_WEBHOOK_SECRET) warnings.push('LIFEBOAT_WEBHOOK_SECRET is not set: webhooks are sent without an X-Lifeboat-Signature');
  }
  if (config.LIFEBOAT_PUBLIC_URL) {
    const problem = webhookUrlProblem(config.LIFEBOAT_PUBLIC_URL);
    if (problem) errors.push(`LIFEBOAT_PUBLIC_URL: ${problem}; it is the address people open runs at, such as https://lifeboat.example.com`);
  }
  const broken = templateProblem();
  if (broken) errors.push(`notification templates: ${broken}`);
  return { errors, warnings };
}

/** Throws a ConfigError listing every notification setting that is wrong; passes warnings to `warn`. */
export function assertNotificationConfig(config: Config, warn: (line: string) => void): void {
  const { errors, warnings } = checkNotificationConfig(config);
  warnings.forEach((w) => warn(w));
  if (errors.length > 0) throw new ConfigError(`invalid configuration:\n${errors.map((e) => `  ${e}`).join('\n')}`);
}

/**
 * Webhook URLs in a runbook's notification rules and notify steps that cannot be sent to, for `lifeboat validate`
 * and registration. The schema only checks the start of a URL; this parses it whole (ports, hosts, escapes).
 */
export function runbookNotificationProblems(runbook: Runbook): Problem[] {
  const problems: Problem[] = [];
  (runbook.notifications ?? []).forEach((rule, i) => {
    const problem = rule.channel === 'webhook' ? webhookUrlProblem(rule.url) : undefined;
    if (problem) problems.push({ at: ['notifications', i, 'url'], message: problem });
  });
  runbook.steps.forEach((step, i) => {
    const notifies = [
      { w: step.action === 'notify' ? step.with : undefined, at: ['steps', i, 'with', 'url'] },
      { w: 'undo' in step && step.undo?.action === 'notify' ? step.undo.with : undefined, at: ['steps', i, 'undo', 'with', 'url'] },
    ];
    for (const { w, at } of notifies) {
      // A templated URL (`{{ secrets.CHAT_HOOK }}`) is only known at run time.
      const problem = w?.channel === 'webhook' && !hasTemplate(w.url) ? webhookUrlProblem(w.url) : undefined;
      if (problem) problems.push({ at, message: problem });
    }
  });
  return problems;
}

/** Why a URL cannot take a webhook POST, or undefined when it can. */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${redact(url)}' is not a valid URL; write it as https://host[:port]/path`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `'${redact(url)}' is a ${parsed.protocol.slice(0, -1)} URL; webhooks need http:// or https://`;
  if (!parsed.hostname) return `'${redact(url)}' has no host`;
  return undefined;
}

function smtpUrlReport(url: string, errors: string[], warnings: string[]): void {
  const shown = redact(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    errors.push(`SMTP_URL: '${shown}' cannot be parsed as a URL; write it as smtp://user:password@host:587 or smtps://user:password@host:465 (percent-encode @ : / in the password)`);
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

function templateProblem(): string | undefined {
  try {
    for (const event of MessageKind.options) {
      renderNotification({ event, runId: 'check', runbookId: 'check', runbookTitle: 'Check', mode: 'drill', at: new Date(0).toISOString(), stepId: 'step', detail: {} });
    }
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

// URLs may carry credentials (an SMTP password, a chat webhook's token in its userinfo): never print them.
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
