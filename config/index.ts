import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contract/names';
import { CHANNELS, type ChannelConfigShape } from '../channels';
import { schemaKit } from '../model/kit';

const optionalUrl = (what: string, protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .optional()
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(p)), {
      message: `${what} must start with ${protocols.join(' or ')}`,
    });

// Every channel's own keys (SMTP_URL, LIFEBOAT_NOTIFY_WEBHOOK, …), declared in its module under channels/.
function channelKeys(): ChannelConfigShape {
  return Object.assign({}, ...Object.values(CHANNELS).map((channel) => channel.schemas(schemaKit).config));
}

/**
 * Every environment variable Lifeboat reads, each notification channel's own (see channels/) included; documented
 * in README.md ("Configuration").
 */
export const Config = z.object({
  TEMPORAL_ADDRESS: z.string().trim().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default(DEFAULT_TASK_QUEUE),
  MONGODB_URI: optionalUrl('MONGODB_URI', ['mongodb://', 'mongodb+srv://']),
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
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  FERRETDB_PORT: z.coerce.number().int().min(1).max(65535).default(27017),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(2525),
  ...channelKeys(),
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
