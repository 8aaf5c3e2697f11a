import { ApplicationFailure } from '@temporalio/activity';
import nodemailer from 'nodemailer';
import type { ActivityDeps } from '.';
import { withSecrets } from './secrets';

export interface EmailMessage {
  /** Unique per event and recipient list: a retried activity checks it before sending again. */
  idempotencyKey: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
}

interface DeliveryDoc {
  _id: string;
  to: string[];
  messageId: string;
  sentAt: string;
}

/** Email through nodemailer to the configured SMTP server. */
export function emailActivities({ store, config, smtpUrl, env }: ActivityDeps) {
  const transport = nodemailer.createTransport(smtpUrl);
  const deliveries = store.db.collection<DeliveryDoc>('deliveries');
  return {
    async sendEmail(input: EmailMessage): Promise<{ messageId: string; duplicate: boolean }> {
      if (input.to.length === 0) throw ApplicationFailure.nonRetryable('email has no recipients', 'NoRecipients');
      const done = await deliveries.findOne({ _id: input.idempotencyKey });
      if (done) return { messageId: done.messageId, duplicate: true };
      const message = withSecrets({ subject: input.subject, text: input.text, html: input.html }, env);
      const info = await transport.sendMail({
        from: config.MAIL_FROM,
        to: input.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        headers: { 'X-Lifeboat-Key': input.idempotencyKey },
      });
      const messageId = String(info.messageId);
      await deliveries.replaceOne(
        { _id: input.idempotencyKey },
        { to: input.to, messageId, sentAt: new Date().toISOString() },
        { upsert: true },
      );
      return { messageId, duplicate: false };
    },
  };
}
