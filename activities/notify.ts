import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { allChannels, channelOf } from '../channels';
import type { DeliveryIO } from '../channels/kit';
import { renderNotification, type RenderedNotification } from '../notify/render';
import { targetName } from '../notify/route';
import { scrubMessage, secretScrubber, smtpPassword, type Scrub } from '../notify/scrub';
import { DeliveryOutcome, NotificationDelivery } from '../notify/types';
import { addDeliveryNote, deliveryNotes, findDelivery, recordDelivery } from '../store/deliveries';
import type { ActivityDeps } from './deps';
import { postJson } from './post';
import { egressPolicy } from './egress';
import { assertSecretHosts, unseal } from './secrets';
import { mailTransport, messageIdFor, trySendMail } from './smtp';

/** Notifications: one message to one target per call, at most once per idempotency key. */
export function notifyActivities({ store, config, smtpUrl, env }: ActivityDeps) {
  const transport = mailTransport(smtpUrl);
  const configSecrets = allChannels().flatMap((channel) => channel.configSecrets(config));
  const scrub = secretScrubber(env, [...configSecrets, config.LIFEBOAT_ADMIN_TOKEN, smtpPassword(smtpUrl)]);
  const options = { publicUrl: config.LIFEBOAT_PUBLIC_URL };
  const policy = egressPolicy(config);
  return {
    /**
     * Renders and sends `delivery` through its channel, unless its key was delivered before (a retried activity, a
     * replayed workflow). Failures are ApplicationFailures: retryable while the target may recover, not when it refused.
     */
    async sendNotification(input: NotificationDelivery): Promise<DeliveryOutcome> {
      const parsed = NotificationDelivery.safeParse(input);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`not a notification delivery: ${parsed.error.message}`, 'BadNotification');
      const { key, message } = parsed.data;
      const name = targetName(parsed.data.target);
      // Checked before sending: the record is written only after the target accepted the message.
      if (await findDelivery(store.db, key)) return { status: 'duplicate', target: name };
      // Targets may name secrets (`url: "{{ secrets.CHAT_HOOK }}"`); they are put in only here, at the places the
      // runbook's text wrote them, and never recorded.
      const secrets = parsed.data.secrets;
      const sealed = unseal(parsed.data.target, secrets, env);
      const target = sealed.request;
      if ('url' in target && sealed.used.length > 0) {
        const urlSlot = secrets?.find((slot) => slot.path.length === 1 && slot.path[0] === 'url');
        let url: URL;
        try {
          url = new URL(target.url.trim());
        } catch {
          throw ApplicationFailure.nonRetryable(`webhook ${name}: its url is not a valid URL`, 'WebhookRejected');
        }
        assertSecretHosts(sealed.used, urlSlot?.parts, url, env);
      }
      const scrubAll: Scrub = (text) => sealed.mask(scrub(text));
      const channel = channelOf(target.channel);
      const clean = scrubMessage(message, scrubAll);
      const rendered = scrubRendered(renderNotification(clean, options), scrubAll);
      const signal = Context.current().cancellationSignal;
      const about = { runId: message.runId, target: name, event: message.event };
      const io: DeliveryIO = {
        sendMail: (mail) => trySendMail(transport, { ...mail, messageId: messageIdFor(key, mail.from) }),
        post: (request) => postJson({ ...request, signal }, policy),
        notes: async () => (await deliveryNotes(store.db, message.runId, name)).map((n) => ({ event: n.event, value: n.value })),
        note: (value) => addDeliveryNote(store.db, { key, ...about, value, at: new Date().toISOString() }),
        failure: (text, type, o) => {
          const details = o.details === undefined ? [] : [o.details];
          return o.retryable ? ApplicationFailure.retryable(text, type, ...details) : ApplicationFailure.nonRetryable(text, type, ...details);
        },
      };
      const deliveryId = createHash('sha256').update(key).digest('hex').slice(0, 32);
      // Heartbeats let a lost worker be noticed in seconds (the workflow sets a heartbeat timeout) and carry cancellation.
      // None at the start: each one is a call to the server, and most deliveries are over well before the first beat.
      const beat = setInterval(() => heartbeat(), 3_000);
      try {
        const receipt = await channel.deliver({ key, deliveryId, target, name, message: clean, rendered, publicUrl: options.publicUrl, scrub: scrubAll }, config, io);
        await recordDelivery(store.db, {
          _id: key,
          channel: target.channel,
          target: name,
          event: message.event,
          runId: message.runId,
          ...receipt,
          sentAt: new Date().toISOString(),
        });
      } catch (err) {
        throw scrubFailure(err, scrubAll);
      } finally {
        clearInterval(beat);
      }
      return { status: 'sent', target: name };
    },
  };
}

function scrubRendered(r: RenderedNotification, scrub: Scrub): RenderedNotification {
  return { subject: scrub(r.subject), text: scrub(r.text), html: scrub(r.html), chat: scrub(r.chat) };
}

// A target may echo what it was sent; the failure goes to the timeline, so it is scrubbed too.
function scrubFailure(err: unknown, scrub: Scrub): unknown {
  if (!(err instanceof ApplicationFailure) || scrub(err.message) === err.message) return err;
  return new ApplicationFailure(scrub(err.message), err.type, err.nonRetryable, err.details);
}
