import { CancellationScope, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Event, NotificationRule } from '../model/runbook';
import type { ReferenceContext } from '../model/reference';
import { renderSealed, type SecretSlot } from '../model/template';
import { routeNotification, targetName } from '../notify/route';
import { channelOf, type ChannelTarget } from '../channels';
import { triesOf } from '../notify/tries';
import type { PinnedRun } from '../contract/run';
import { describeError } from './failures';
import { notificationMessage } from './message';
import type { TimelineWriter } from './timeline';

const { sendNotification, notificationDefaults } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '15 seconds', // sendNotification heartbeats: a lost worker is noticed in seconds
  // Delivery keeps trying through a mail or webhook outage, for up to ten minutes, then is recorded as failed.
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

// The worker's default routes read its configuration only: as a local activity (PATCH.carriedRecords) they cost one
// marker instead of an activity task, and a repeat answers the same.
const { notificationDefaults: notificationDefaultsHere } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/**
 * Sends the run's notifications in the background: routing is pure, delivery is one activity per target, and
 * every delivery or failure is a timeline event. A failed notification never fails the run.
 */
export class Notifier {
  private readonly inflight: Promise<void>[] = [];
  private defaults?: Promise<NotificationRule[]>;
  constructor(
    private readonly run: PinnedRun,
    private readonly timeline: TimelineWriter,
    private readonly context: () => ReferenceContext,
    private count = 0,
    /** Read the defaults through a local activity (runs started with PATCH.carriedRecords). */
    private readonly local = false,
  ) {}

  /** How many notifications this run has asked for (their keys stay unique across continue-as-new). */
  get sent(): number {
    return this.count;
  }

  notify(event: Event, o: { step?: { id: string; title?: string }; detail?: Record<string, unknown>; emails?: string[] }): void {
    const n = ++this.count;
    const at = new Date().toISOString();
    // Not cancellable: an abort of the step that asked for it must not swallow the message.
    this.inflight.push(CancellationScope.nonCancellable(() => this.deliver(n, at, event, o)));
  }

  /** Resolves once every notification so far was delivered or recorded as failed. */
  async settled(): Promise<void> {
    await Promise.all(this.inflight);
  }

  private async deliver(n: number, at: string, event: Event, o: { step?: { id: string; title?: string }; detail?: Record<string, unknown>; emails?: string[] }): Promise<void> {
    this.defaults ??= (this.local ? notificationDefaultsHere : notificationDefaults)();
    // Rules may name recipients by template (`{{ params.oncall }}`); secrets stay as written until the activity.
    const sealed = renderSealed(this.run.runbook.notifications ?? [], this.context());
    const rules = sealed.value as NotificationRule[];
    const targets = routeNotification(rules, await this.defaults, event, { emails: o.emails });
    const { run } = this;
    const message = notificationMessage(run, event, at, o.step, o.detail);
    await Promise.all(
      targets.map(async (target) => {
        const name = targetName(target);
        try {
          const res = await sendNotification({ key: `${run.runId}/n${n}/${name}`, target, message, secrets: targetSecrets(rules, sealed.secrets, target) });
          this.timeline.emit('notification.sent', {
            stepId: o.step?.id,
            detail: { event, channel: target.channel, target: name, duplicate: res.status === 'duplicate', tries: res.tries },
          });
        } catch (err) {
          const detail = { event, channel: target.channel, target: name, error: describeError(err).message, tries: triesOf(err) };
          this.timeline.emit('notification.failed', { stepId: o.step?.id, detail });
        }
      }),
    );
  }
}

/**
 * The secrets of a target: those of the runbook rule it came from, by field (a webhook's url, a PagerDuty routing
 * key, which validation keeps free of parameters and outputs). Targets of the worker's own rules have none.
 */
function targetSecrets(rules: NotificationRule[], slots: SecretSlot[], target: ChannelTarget): SecretSlot[] {
  const key = channelOf(target.channel).targetKey(target);
  for (const [index, rule] of rules.entries()) {
    if (rule.channel !== target.channel) continue;
    const channel = channelOf(rule.channel);
    if (!channel.ruleTargets(rule).some((t) => channel.targetKey(t) === key)) continue;
    return slots.filter((slot) => slot.path[0] === index && slot.path.length === 2).map((slot) => ({ path: slot.path.slice(1), parts: slot.parts }));
  }
  return [];
}

export { notificationMessage };
