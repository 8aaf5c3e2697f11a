import addressparser from 'nodemailer/lib/addressparser';
import { allChannels } from '../channels';
import type { CheckTools, ConfigReport } from '../channels/kit';
import { webhookUrlProblem } from '../channels/webhook';
import { ConfigError, type Config } from '../config';
import { renderNotification } from './render';
import { MessageKind } from './types';

export { webhookUrlProblem };

/** What is wrong with the notification settings (the process must not start) and what is merely doubtful. */
export type NotificationConfigReport = ConfigReport;

const tools: CheckTools = {
  addresses: (text) => addressparser(text, { flatten: true }).map((a) => a.address),
};

/**
 * Checks everything notifications depend on, so a bad setting stops start-up instead of surfacing as a failed
 * email in the middle of a recovery: each channel's settings (SMTP_URL, MAIL_FROM, the default webhook…),
 * LIFEBOAT_PUBLIC_URL and the templates.
 */
export function checkNotificationConfig(config: Config): NotificationConfigReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const channel of allChannels()) {
    const report = channel.check(config, tools);
    errors.push(...report.errors);
    warnings.push(...report.warnings);
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
