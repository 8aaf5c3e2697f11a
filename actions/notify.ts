import { proxyActivities } from '@temporalio/workflow';
import type { notifyActivities } from '../activities/notify';
import { CHANNELS } from '../channels';
import { stepNotifyTargets, targetName } from '../notify/route';
import { notificationMessage } from '../workflows/message';
import { defineAction, type Outcome } from './kit';
import { LOST_WORKER } from './proxy';

/** `notify`: the runbook's own message to email recipients or a webhook. */
export const notify = defineAction({
  // Each channel that supports notify steps declares their `with` (channels/); this is their union.
  with: (k) => {
    const [first, ...others] = Object.values(CHANNELS).flatMap((channel) => {
      const step = channel.schemas(k).step;
      return step === undefined ? [] : [step];
    });
    if (!first) throw new Error('no notification channel supports notify steps');
    return k.z.discriminatedUnion('channel', [first, ...others]).meta({ id: 'RunbookNotifyWith' });
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
    const sent = await Promise.all(
      stepNotifyTargets(step.with).map((target) => {
        // The with's secrets are the target's, field for field (a webhook's url); an email target has none.
        const secrets = (step.secrets ?? []).filter((slot) => slot.path.length === 1 && slot.path[0] === 'url' && 'url' in target);
        return sendNotification({ key: `${ctx.key}/${targetName(target)}`, target, message, secrets });
      }),
    );
    return { kind: 'succeeded', result: { sent: sent.map((d) => d.target) } };
  },
});
