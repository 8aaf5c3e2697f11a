import { allChannels } from '../channels';
import type { Event } from '../model/kit';
import type { NotificationRule } from '../model/runbook';
import type { ActivityDeps } from './deps';

const FAILURES: Event[] = ['run.failed', 'step.failed', 'decision.needed'];

/** The worker's default notification routes, from its configuration: who hears of every failure. */
export function routeActivities({ config }: ActivityDeps) {
  return {
    async notificationDefaults(): Promise<NotificationRule[]> {
      return allChannels().flatMap((channel) => channel.defaultRules(config, FAILURES));
    },
  };
}
