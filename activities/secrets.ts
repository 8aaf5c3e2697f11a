import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE } from '../contract/names';
import type { SealedPart, SecretSlot } from '../model/template';
import { masker, scrubDeep, type Scrub } from '../notify/scrub';

const PREFIX = 'LIFEBOAT_SECRET_';
const HOSTS = '_HOSTS';

/** The worker's secrets: LIFEBOAT_SECRET_<NAME> is `{{ secrets.NAME }}` in a runbook (LIFEBOAT_SECRET_<NAME>_HOSTS is not a secret). */
export function secretsFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith(PREFIX) && !k.endsWith(HOSTS) && v !== undefined) out[k.slice(PREFIX.length)] = v;
  return out;
}

/** The hosts (`host` or `host:port`) LIFEBOAT_SECRET_<NAME>_HOSTS lets the secret go to besides those the runbook writes. */
export function secretHosts(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[`${PREFIX}${name}${HOSTS}`] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
}

/** A request with its secrets put in, the secrets it now holds, and a mask for everything that leaves the activity. */
export interface Unsealed<T> {
  request: T;
  used: Array<{ name: string; value: string }>;
  /** Masks every secret of the worker (and its encoded forms) in a text. */
  mask: Scrub;
  /** The same, for every string of a JSON-like value (a result, a failure's details). */
  maskDeep<V>(value: V): V;
}

const LEGACY = /\{\{\s*secrets\./;

/**
 * Puts the secrets into an activity's request at the paths the workflow found them in the runbook's own text
 * (`slots`). Nothing in the request is read as a template: a parameter or response that looks like one stays text.
 */
export function unseal<T>(request: T, slots: SecretSlot[] | undefined, env: NodeJS.ProcessEnv): Unsealed<T> {
  const secrets = secretsFrom(env);
  const used: Array<{ name: string; value: string }> = [];
  const mask = masker(Object.values(secrets).filter((v) => v.length >= 4));
  const done = (req: T): Unsealed<T> => {
    const all = masker([...Object.values(secrets).filter((v) => v.length >= 4), ...used.map((u) => u.value)]);
    return { request: req, used, mask: all, maskDeep: <V>(value: V) => scrubDeep(value, all) as V };
  };
  if (slots === undefined) {
    // Scheduled by a worker that resolved secrets from rendered text; this one never does, so it says so.
    if (LEGACY.test(JSON.stringify(request))) {
      throw ApplicationFailure.nonRetryable(
        'this attempt was scheduled by an older Lifeboat worker, which passed secrets as text; retry the step so this worker schedules it again',
        FAILURE.secretMissing,
      );
    }
    return { request, used, mask, maskDeep: <V>(value: V) => scrubDeep(value, mask) as V };
  }
  const copy = structuredClone(request);
  for (const slot of slots) setAt(copy, slot.path, join(slot.parts, secrets, used));
  return done(copy);
}

/** The text of a slot, with its secrets; names each missing secret. */
export function join(parts: SealedPart[], secrets: Record<string, string>, used: Array<{ name: string; value: string }>): string {
  return parts
    .map((part) => {
      if ('text' in part) return part.text;
      if ('value' in part) return part.value;
      const value = Object.prototype.hasOwnProperty.call(secrets, part.secret) ? secrets[part.secret] : undefined;
      if (value === undefined) {
        throw ApplicationFailure.nonRetryable(
          `unknown reference secrets.${part.secret}: no such secret is configured (secrets come from the worker's LIFEBOAT_SECRET_<NAME> environment variables)`,
          FAILURE.secretMissing,
        );
      }
      if (!used.some((u) => u.name === part.secret)) used.push({ name: part.secret, value });
      return value;
    })
    .join('');
}

function setAt(root: unknown, path: Array<string | number>, value: string): void {
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, key)) {
      throw ApplicationFailure.nonRetryable(`the request has no field at ${path.join('.')} for its secret`, FAILURE.secretMissing);
    }
    if (i === path.length - 1) Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
    else node = Reflect.get(node, key);
  }
}

/**
 * The host a URL goes to when the runbook's text (with secrets, which are configuration) fixes it: everything up to
 * the end of the authority comes before the first parameter or output. Undefined when a run value chooses the host.
 */
export function literalHost(parts: SealedPart[] | undefined, finalUrl: URL, secrets: Record<string, string>): string | undefined {
  if (parts === undefined) return undefined;
  let trusted = '';
  for (const part of parts) {
    if ('value' in part) {
      const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*[/?#\\]/i.exec(trusted)?.[0];
      if (authority === undefined) return undefined;
      try {
        return new URL(authority).host === finalUrl.host ? finalUrl.host : undefined;
      } catch {
        return undefined;
      }
    }
    trusted += 'text' in part ? part.text : (secrets[part.secret] ?? '');
  }
  return finalUrl.host;
}

/**
 * Refuses to send a secret to a host the runbook does not write (a parameter or output chose it), unless the
 * secret's LIFEBOAT_SECRET_<NAME>_HOSTS lists that host.
 */
export function assertSecretHosts(used: Array<{ name: string }>, urlParts: SealedPart[] | undefined, url: URL, env: NodeJS.ProcessEnv): void {
  if (used.length === 0) return;
  if (literalHost(urlParts, url, secretsFrom(env)) !== undefined) return;
  const host = url.host.toLowerCase();
  for (const { name } of used) {
    const listed = secretHosts(env, name);
    if (listed.includes(host) || listed.includes(url.hostname.toLowerCase())) continue;
    throw ApplicationFailure.nonRetryable(
      `secret ${name} may not be sent to ${host}: the url's host comes from the run's parameters or step outputs, not the runbook's text; write the host in the step's url, or list it in LIFEBOAT_SECRET_${name}_HOSTS on the worker`,
      FAILURE.secretHostDenied,
    );
  }
}
