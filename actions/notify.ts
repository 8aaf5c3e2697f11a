import { patched, proxyActivities } from '@temporalio/workflow';
import type { notifyActivities } from '../activities/notify';
import { CHANNELS, type ChannelTarget } from '../channels';
import { stepNotifyTargets, targetName } from '../notify/route';
import { triesOf } from '../notify/tries';
import { describeError } from '../workflows/failures';
import { notificationMessage } from '../workflows/message';
import { defineAction, type Outcome } from './kit';
import { LOST_WORKER } from './proxy';

// Recorded histories from before notify steps put their deliveries on the timeline waited differently (the first
// failure failed the step); they replay down the old path.
const RECORD_DELIVERIES = 'notify-step-deliveries-on-timeline';

/** `notify`: the runbook's own message to email recipients or a webhook. */
export const notify = defineAction({
  // Each channel that supports notify steps declares their `with` (channels/); this is their union.
  with: (k) => {
    const [first, ...others] = Object.values(CHANNELS).flatMap((channel) => {
      const step = channel.schemas(k).step;
      return step === undefined ? [] : [step];
    });
    if (!first) throw new Error('no notification channel supports notify steps');
    return k.z
      .discriminatedUnion('channel', [first, ...others])
      .meta({ id: 'RunbookNotifyWith', description: 'The message: its channel (email or webhook), where to, and what it says.' });
  },
  resultFields: undefined,
  timeoutMs: 5 * 60_000,
  expectedMs: () => 10_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: true,
  mayBeUndo: true,
  human: false,
  // A webhook's URL may be a secret (chat hooks are credentials); the message itself never carries one.
  secrets: { in: ['url'], host: 'url' },

  async run(step, ctx): Promise<Outcome> {
    // Delivery retries through an outage for as long as the step's timeout allows; one message per target, keyed by
    // the step's execution (not the attempt) so a retried step does not mail those already reached.
    const { sendNotification } = proxyActivities<ReturnType<typeof notifyActivities>>({
      startToCloseTimeout: '1 minute',
      heartbeatTimeout: LOST_WORKER.heartbeatTimeoutMs,
      scheduleToCloseTimeout: ctx.timeoutMs,
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
    });
    const message = notificationMessage(ctx.run, 'step.notify', new Date().toISOString(), step, { subject: step.with.subject, body: step.with.body });
    const targets = stepNotifyTargets(step.with);
    const deliver = (target: ChannelTarget) => {
      // The with's secrets are the target's, field for field (a webhook's url); an email target has none.
      const secrets = (step.secrets ?? []).filter((slot) => slot.path.length === 1 && slot.path[0] === 'url' && 'url' in target);
      return sendNotification({ key: `${ctx.key}/${targetName(target)}`, target, message, secrets });
    };
    if (!patched(RECORD_DELIVERIES)) {
      const sent = await Promise.all(targets.map(deliver));
      return { kind: 'succeeded', result: { sent: sent.map((d) => d.target) } };
    }
    // Every delivery is evidence: each one, sent or failed, is on the timeline before the step's outcome.
    const results = await Promise.allSettled(targets.map(deliver));
    results.forEach((r, i) => {
      const detail = { event: 'step.notify', channel: targets[i]!.channel, target: targetName(targets[i]!) };
      if (r.status === 'fulfilled')
        ctx.emit('notification.sent', { stepId: step.id, attempt: ctx.attempt, detail: { ...detail, duplicate: r.value.status === 'duplicate', tries: r.value.tries } });
      else ctx.emit('notification.failed', { stepId: step.id, attempt: ctx.attempt, detail: { ...detail, error: describeError(r.reason).message, tries: triesOf(r.reason) } });
    });
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { kind: 'succeeded', result: { sent: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.target] : [])) } };
  },
});
