import { ApplicationFailure, Context } from '@temporalio/activity';
import { renderNotification, webhookPayload, type RenderedNotification } from '../notify/render';
import { targetName } from '../notify/route';
import { scrubMessage, secretScrubber, smtpPassword, type Scrub } from '../notify/scrub';
import { DeliveryOutcome, NotificationDelivery } from '../notify/types';
import { findDelivery, recordDelivery } from '../store/deliveries';
import type { ActivityDeps } from './deps';
import { withSecrets } from './secrets';
import { mailTransport, messageIdFor, sendMail } from './smtp';
import { postWebhook } from './webhook';

/** Notifications: one message to one target per call, at most once per idempotency key. */
export function notifyActivities({ store, config, smtpUrl, env }: ActivityDeps) {
  const transport = mailTransport(smtpUrl);
  const scrub = secretScrubber(env, [config.LIFEBOAT_WEBHOOK_SECRET, config.LIFEBOAT_ADMIN_TOKEN, smtpPassword(smtpUrl)]);
  const options = { publicUrl: config.LIFEBOAT_PUBLIC_URL };
  return {
    /**
     * Renders and sends `delivery`, unless its key was delivered before (a retried activity, a replayed workflow).
     * Failures are ApplicationFailures: retryable while the server or webhook may recover, not when it refused.
     */
    async sendNotification(input: NotificationDelivery): Promise<DeliveryOutcome> {
      const parsed = NotificationDelivery.safeParse(input);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`not a notification delivery: ${parsed.error.message}`, 'BadNotification');
      const { key, message } = parsed.data;
      const name = targetName(parsed.data.target);
      // Checked before sending: the record is written only after the SMTP server or webhook accepted the message.
      if (await findDelivery(store.db, key)) return { status: 'duplicate', target: name };
      // Targets may name secrets (`url: "{{ secrets.CHAT_HOOK }}"`); they are resolved only here, never recorded.
      const target = withSecrets(parsed.data.target, env);
      const clean = scrubMessage(message, scrub);
      const rendered = scrubRendered(renderNotification(clean, options), scrub);
      const base = { _id: key, channel: target.channel, target: name, event: message.event, runId: message.runId };
      try {
        if (target.channel === 'email') {
          const messageId = await sendMail(transport, {
            from: config.MAIL_FROM,
            to: target.to,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            messageId: messageIdFor(key, config.MAIL_FROM),
            headers: { 'X-Lifeboat-Key': key, 'X-Lifeboat-Event': message.event, 'X-Lifeboat-Run': message.runId, 'Auto-Submitted': 'auto-generated' },
          }, `email to ${name}`);
          await recordDelivery(store.db, { ...base, messageId, sentAt: new Date().toISOString() });
        } else {
          const body = scrub(JSON.stringify(webhookPayload(clean, rendered, target.format, options)));
          const status = await postWebhook({
            url: target.url, body, secret: config.LIFEBOAT_WEBHOOK_SECRET, key, event: message.event, name, signal: Context.current().cancellationSignal,
          });
          await recordDelivery(store.db, { ...base, status, sentAt: new Date().toISOString() });
        }
      } catch (err) {
        throw scrubFailure(err, scrub);
      }
      return { status: 'sent', target: name };
    },
  };
}

function scrubRendered(r: RenderedNotification, scrub: Scrub): RenderedNotification {
  return { subject: scrub(r.subject), text: scrub(r.text), html: scrub(r.html), chat: scrub(r.chat) };
}

// An SMTP server or webhook may echo what it was sent; the failure goes to the timeline, so it is scrubbed too.
function scrubFailure(err: unknown, scrub: Scrub): unknown {
  if (!(err instanceof ApplicationFailure) || scrub(err.message) === err.message) return err;
  return new ApplicationFailure(scrub(err.message), err.type, err.nonRetryable, err.details);
}
