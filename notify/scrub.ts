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
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) if (name.startsWith(SECRET_PREFIX) && !name.endsWith('_HOSTS') && value) values.push(value);
  for (const value of also) if (value) values.push(value);
  return masker(values.filter((v) => v.length >= MIN_LENGTH));
}

/**
 * Masks each value and the forms it takes when a system re-encodes what it was sent: base64 (whole, or inside a
 * longer encoded text such as `user:secret`), base64url, URL-encoding and JSON string escapes. Longest first, so a
 * secret that contains another is masked whole.
 */
export function masker(values: readonly string[]): Scrub {
  const forms = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    forms.add(value);
    for (const form of encodings(value)) if (form.length >= MIN_LENGTH + 2) forms.add(form);
  }
  const list = [...forms].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => (typeof text === 'string' ? list.reduce((out, form) => (out.includes(form) ? out.split(form).join(MASK) : out), text) : text);
}

function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out = [encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
  // The characters of base64 that depend on the value's bytes alone, at each of the three byte alignments.
  for (let skip = 0; skip < 3; skip++) {
    const encoded = Buffer.concat([Buffer.alloc(skip), bytes]).toString('base64');
    const from = Math.ceil((skip * 8) / 6);
    const to = Math.floor(((skip + bytes.length) * 8) / 6);
    const core = encoded.slice(from, to);
    out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  out.push(bytes.toString('base64'), bytes.toString('base64url'));
  return out.filter((form) => form !== value);
}

/** Every string in a JSON-like value masked, object keys included. */
export function scrubDeep(value: unknown, scrub: Scrub): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, scrub));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrub(k), scrubDeep(v, scrub)]));
  return value;
}

/** The message with every string in it scrubbed, before it is rendered (and so escaped for HTML or JSON). */
export function scrubMessage(message: NotificationMessage, scrub: Scrub): NotificationMessage {
  const deep = (value: unknown): unknown => scrubDeep(value, scrub);
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
