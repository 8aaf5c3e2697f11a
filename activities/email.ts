import { ApplicationFailure } from '@temporalio/activity';
import { findDelivery, recordDelivery } from '../store/deliveries';
import type { ActivityDeps } from '.';
import { secretScrubber, smtpPassword } from '../notify/scrub';
import { mailTransport, messageIdFor, sendMail } from './smtp';

export interface EmailMessage {
  /** Unique per event and recipient list: a retried activity checks it before sending again. */
  idempotencyKey: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
}

/** A plain email through nodemailer to the configured SMTP server (notify steps written before sendNotification). */
export function emailActivities({ store, config, smtpUrl, env }: ActivityDeps) {
  const transport = mailTransport(smtpUrl);
  const scrub = secretScrubber(env, [config.LIFEBOAT_WEBHOOK_SECRET, config.LIFEBOAT_ADMIN_TOKEN, smtpPassword(smtpUrl)]);
  return {
    async sendEmail(input: EmailMessage): Promise<{ messageId: string; duplicate: boolean }> {
      if (input.to.length === 0) throw ApplicationFailure.nonRetryable('email has no recipients', 'NoRecipients');
      const done = await findDelivery(store.db, input.idempotencyKey);
      if (done) return { messageId: done.messageId ?? '', duplicate: true };
      // `{{ secrets.X }}` in a message stays as written: no secret is ever mailed, and known values are masked.
      const message = { subject: scrub(input.subject), text: scrub(input.text), html: input.html === undefined ? undefined : scrub(input.html) };
      const messageId = await sendMail(transport, {
        from: config.MAIL_FROM,
        to: input.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        messageId: messageIdFor(input.idempotencyKey, config.MAIL_FROM),
        headers: { 'X-Lifeboat-Key': input.idempotencyKey },
      }, `email to ${input.to.join(', ')}`);
      await recordDelivery(store.db, { _id: input.idempotencyKey, channel: 'email', target: input.to.join(','), messageId, sentAt: new Date().toISOString() });
      return { messageId, duplicate: false };
    },
  };
}
