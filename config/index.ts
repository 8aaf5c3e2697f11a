import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contract/names';

const optionalUrl = (what: string, protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .optional()
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(p)), {
      message: `${what} must start with ${protocols.join(' or ')}`,
    });

// Compose files pass unset variables as empty strings: treat those as unset.
const optionalText = () => z.string().trim().optional().transform((v) => v || undefined);

/** Every environment variable Lifeboat reads; documented in README.md ("Configuration"). */
export const Config = z.object({
  TEMPORAL_ADDRESS: z.string().trim().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default(DEFAULT_TASK_QUEUE),
  MONGODB_URI: optionalUrl('MONGODB_URI', ['mongodb://', 'mongodb+srv://']),
  SMTP_URL: optionalUrl('SMTP_URL', ['smtp://', 'smtps://']),
  MAIL_FROM: z.string().trim().min(1).default('Lifeboat <lifeboat@localhost>'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** Where `npm start` keeps data, logs and its admin token; read first, on its own, by servers/start.ts. */
  LIFEBOAT_HOME: z.string().default('.lifeboat'),
  LIFEBOAT_RUNBOOKS: z.string().default('runbooks'),
  LIFEBOAT_PUBLIC_URL: z.string().optional(),
  /** Bootstrap bearer token with the admin role (create further tokens with it). */
  LIFEBOAT_ADMIN_TOKEN: z.string().min(16, 'LIFEBOAT_ADMIN_TOKEN must be at least 16 characters').optional(),
  /** Serve GET /metrics without a token (for Prometheus scrapers that cannot send one); otherwise it needs viewer. */
  LIFEBOAT_METRICS_PUBLIC: z.stringbool().default(false),
  /** Comma-separated executables that `command` steps may run. Empty means no command may run. */
  LIFEBOAT_COMMAND_ALLOWLIST: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    ),
  /** Comma-separated emails told of every failure (run.failed, step.failed, decision.needed), whatever the runbook says. */
  LIFEBOAT_NOTIFY_EMAIL: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0))
    .pipe(z.array(z.email({ error: 'LIFEBOAT_NOTIFY_EMAIL must be a comma-separated list of email addresses' }))),
  /** A webhook told of the same failures. */
  LIFEBOAT_NOTIFY_WEBHOOK: z.url({ protocol: /^https?$/, error: 'LIFEBOAT_NOTIFY_WEBHOOK must be an http(s) URL' }).optional(),
  /** Key of the X-Lifeboat-Signature HMAC on every webhook; webhooks go unsigned without it. */
  LIFEBOAT_WEBHOOK_SECRET: optionalText().refine((v) => v === undefined || v.length >= 16, 'LIFEBOAT_WEBHOOK_SECRET must be at least 16 characters'),
  /** Payload of LIFEBOAT_NOTIFY_WEBHOOK: `json` (every field) or `chat` (a `text` for Slack/Mattermost/Teams-style hooks). */
  LIFEBOAT_NOTIFY_WEBHOOK_FORMAT: z.enum(['json', 'chat']).default('json'),
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  FERRETDB_PORT: z.coerce.number().int().min(1).max(65535).default(27017),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(2525),
});
export type Config = z.infer<typeof Config>;

/** Parses the environment once; a bad value exits with one line per problem naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Config.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
