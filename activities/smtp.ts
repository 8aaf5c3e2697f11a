import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import addressparser from 'nodemailer/lib/addressparser';
import { createHash } from 'node:crypto';
import type { MailAnswer } from '../channels/kit';

/** A transport for SMTP_URL (smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from the start). */
export function mailTransport(smtpUrl: string) {
  // Fail an attempt in seconds, not nodemailer's minutes: the activity's retry policy does the waiting.
  return nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 });
}
export type MailTransport = ReturnType<typeof mailTransport>;

/**
 * A Message-ID derived from the idempotency key, so that if a crash between sending and recording ever makes us
 * send twice, mail systems can still tell it is one message.
 */
export function messageIdFor(key: string, from: string): string {
  const domain = addressparser(from, { flatten: true })[0]?.address.split('@')[1] || 'lifeboat.invalid';
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;
}

/** Sends one message; resolves with the server's verdict (the channel decides what a refusal means). */
export async function trySendMail(transport: MailTransport, mail: Mail.Options): Promise<MailAnswer> {
  try {
    const info = await transport.sendMail(mail);
    return { ok: true, messageId: String(info.messageId) };
  } catch (err) {
    const code = field(err, 'responseCode');
    const reason = typeof field(err, 'message') === 'string' ? String(field(err, 'message')) : String(err);
    return { ok: false, code: typeof code === 'number' ? code : undefined, reason };
  }
}

// nodemailer's errors are plain Errors with extra fields; read them without assuming a class.
function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? Reflect.get(err, name) : undefined;
}
