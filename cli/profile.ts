import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CliError, EXIT, type CliIo } from './io';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

const HttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL such as https://lifeboat.example.com' });

/** One site the CLI can talk to: its API address and how to authenticate. */
const Profile = z
  .strictObject({
    url: HttpUrl.optional(),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
  })
  .refine((p) => p.token === undefined || p.tokenFile === undefined, { error: 'set token or tokenFile, not both', path: ['tokenFile'] });

/** The profile file: named sites (a primary and a standby, say) and the one used when none is named. */
export const ProfileFile = z.strictObject({
  default: z.string().min(1).optional(),
  profiles: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a profile name: letters, digits, ., _ or -'), Profile),
});
export type ProfileFile = z.infer<typeof ProfileFile>;

/** Where the API is and the token to send, with where each came from (for error messages). */
export interface Connection {
  base: string;
  token?: string;
  /** `profile standby in /home/me/.config/lifeboat/config.json`, or `LIFEBOAT_URL`, or the default. */
  source: string;
}

/** LIFEBOAT_CONFIG, else $XDG_CONFIG_HOME/lifeboat/config.json, else ~/.config/lifeboat/config.json. */
export function profileFilePath(io: CliIo): string | undefined {
  const env = io.env ?? process.env;
  if (env.LIFEBOAT_CONFIG) return path.resolve(io.cwd ?? process.cwd(), env.LIFEBOAT_CONFIG);
  const config = env.XDG_CONFIG_HOME || (env.HOME ? path.join(env.HOME, '.config') : undefined);
  return config === undefined ? undefined : path.join(config, 'lifeboat', 'config.json');
}

function readProfileFile(file: string, required: boolean): ProfileFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
    if (code === 'ENOENT' && !required) return undefined;
    const why = code === 'ENOENT' ? 'it does not exist' : err instanceof Error ? err.message : String(err);
    throw new CliError(`cannot read the profile file ${file}: ${why}${code === 'ENOENT' ? ' (create it, or point LIFEBOAT_CONFIG at yours; see docs/cli.md)' : ''}`, EXIT.usage);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliError(`the profile file ${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  }
  const parsed = ProfileFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `\n  ${i.path.join('.') || '(file)'}: ${i.message}`).join('');
    throw new CliError(`the profile file ${file} is invalid:${problems}`, EXIT.usage);
  }
  return parsed.data;
}

/**
 * Where to send requests. A profile named by --profile (or LIFEBOAT_PROFILE) wins, field by field, over LIFEBOAT_URL
 * and LIFEBOAT_TOKEN; without one, those variables win over the file's default profile. The file is read only when
 * a command talks to the API, and a profile that is named must exist.
 */
export function resolveConnection(io: CliIo): Connection {
  const env = io.env ?? process.env;
  const named = io.profile ?? (env.LIFEBOAT_PROFILE || undefined);
  const file = profileFilePath(io);
  if (named !== undefined && file === undefined) throw new CliError(`--profile ${named}: no profile file: set LIFEBOAT_CONFIG or HOME`, EXIT.usage);
  const profiles = file === undefined ? undefined : readProfileFile(file, named !== undefined);
  const fromEnv = { url: env.LIFEBOAT_URL || undefined, token: env.LIFEBOAT_TOKEN || undefined };
  const name = named ?? profiles?.default;
  let profile: { url?: string; token?: string } = {};
  if (name !== undefined && profiles !== undefined && file !== undefined) {
    const found = Object.prototype.hasOwnProperty.call(profiles.profiles, name) ? profiles.profiles[name] : undefined;
    if (!found) {
      const known = Object.keys(profiles.profiles);
      const where = named !== undefined ? (io.profile !== undefined ? '--profile' : 'LIFEBOAT_PROFILE') : `"default" in ${file}`;
      throw new CliError(`${where} names profile '${name}', which ${file} does not have (it has ${known.length ? known.join(', ') : 'none'})`, EXIT.usage);
    }
    profile = { url: found.url, token: found.token ?? (found.tokenFile === undefined ? undefined : readTokenFile(path.resolve(path.dirname(file), found.tokenFile), name, file)) };
  }
  const layers = [
    { from: 'LIFEBOAT_URL', ...fromEnv },
    { from: `profile ${name ?? ''} in ${file ?? ''}`, ...profile },
  ];
  if (named !== undefined) layers.reverse();
  const withUrl = layers.find((l) => l.url !== undefined);
  const url = withUrl?.url ?? DEFAULT_URL;
  const source = withUrl?.from ?? 'the default address';
  const token = layers.find((l) => l.token !== undefined)?.token;
  return { base: url.replace(/\/+$/, ''), token, source };
}

function readTokenFile(tokenFile: string, name: string, file: string): string {
  try {
    const token = readFileSync(tokenFile, 'utf8').trim();
    if (token) return token;
    throw new CliError(`profile ${name} in ${file}: its tokenFile ${tokenFile} is empty`, EXIT.usage);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`profile ${name} in ${file}: cannot read its tokenFile ${tokenFile}: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  }
}
