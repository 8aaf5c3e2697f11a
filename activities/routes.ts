import type { NotificationRule } from '../model/runbook';
import type { ActivityDeps } from './deps';

const FAILURES: NotificationRule['events'] = ['run.failed', 'step.failed', 'decision.needed'];

/** The worker's default notification routes, from its configuration: who hears of every failure. */
export function routeActivities({ config }: ActivityDeps) {
  return {
    async notificationDefaults(): Promise<NotificationRule[]> {
      const rules: NotificationRule[] = [];
      if (config.LIFEBOAT_NOTIFY_EMAIL.length) rules.push({ channel: 'email', recipients: config.LIFEBOAT_NOTIFY_EMAIL, events: FAILURES });
      if (config.LIFEBOAT_NOTIFY_WEBHOOK) rules.push({ channel: 'webhook', url: config.LIFEBOAT_NOTIFY_WEBHOOK, events: FAILURES, format: config.LIFEBOAT_NOTIFY_WEBHOOK_FORMAT });
      return rules;
    },
  };
}
