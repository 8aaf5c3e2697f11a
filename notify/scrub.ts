import type { NotificationMessage } from './types';

const SECRET_PREFIX = 'LIFEBOAT_SECRET_';
// Shorter values are not credentials anyone should use, and replacing them would garble ordinary words.
const MIN_LENGTH = 4;
const MASK = '***';

/** Replaces every known secret value in a text with ***. */
export type Scrub = (text: string) => string;

/**
 * A scrubber for the worker's secrets (LIFEBOAT_SECRET_*) and `also` (the webhook secret, admin token, SMTP password).
 * Messages are built from workflow data, which never holds secret values; this
 * is a second line of defence (an error text from a system that echoed a credential, say).
 */
export function secretScrubber(env: NodeJS.ProcessEnv, also: Array<string | undefined>): Scrub {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) if (name.startsWith(SECRET_PREFIX) && value) values.add(value);
  for (const value of also) if (value) values.add(value);
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...values].filter((v) => v.length >= MIN_LENGTH).sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join(MASK), text);
}

/** The message with every string in it scrubbed, before it is rendered (and so escaped for HTML or JSON). */
export function scrubMessage(message: NotificationMessage, scrub: Scrub): NotificationMessage {
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return scrub(value);
    if (Array.isArray(value)) return value.map(deep);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrub(k), deep(v)]));
    return value;
  };
  return {
    ...message,
    runbookTitle: scrub(message.runbookTitle),
    stepTitle: message.stepTitle === undefined ? undefined : scrub(message.stepTitle),
    detail: Object.fromEntries(Object.entries(message.detail).map(([k, v]) => [scrub(k), deep(v)])),
  };
}

/** The password in an smtp:// URL, if any. */
export function smtpPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
