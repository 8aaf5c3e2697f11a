import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contract/names';
import { CHANNELS, type ChannelConfigShape } from '../channels';
import { parseDuration } from '../model/duration';
import { commaList, schemaKit } from '../model/kit';
import { parseEvidenceKey, type EvidenceKey } from '../timeline/key';

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

// A basename would run whatever a PATH lookup finds; only a full path names one file.
const absolutePaths = (name: string, what: string, example: string) =>
  commaList().superRefine((paths, ctx) => {
    for (const p of paths) {
      if (!p.startsWith('/')) ctx.addIssue({ code: 'custom', message: `${name}: '${p}' is not an absolute path; list the ${what}'s full path, such as ${example}` });
    }
  });

const cidrList = (name: string) =>
  commaList().superRefine((cidrs, ctx) => {
    for (const cidr of cidrs) {
      const [address = '', bits, extra] = cidr.split('/');
      const family = isIP(address);
      const max = family === 6 ? 128 : 32;
      const ok = family !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max));
      if (!ok) ctx.addIssue({ code: 'custom', message: `${name}: '${cidr}' is not a CIDR such as 10.0.0.0/8 or fd00::/8` });
    }
  });

// A listen address for a metrics endpoint: host:port, or [v6]:port.
const listenAddress = (name: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => v || undefined)
    .refine((v) => v === undefined || /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(v), `${name} must be host:port, such as 0.0.0.0:9464 or [::]:9464`);

// Compose files pass unset variables as empty strings: treat those as unset.
const optionalText = () =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => v || undefined);

/**
 * Every environment variable Lifeboat reads, each notification channel's own (see channels/) included; documented
 * in README.md ("Configuration"). `Config` is what they parse to, with the TEMPORAL_TLS_* files read.
 */
export const ConfigVariables = z.object({
  TEMPORAL_ADDRESS: z.string().trim().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  /** mTLS: paths of the PEM client certificate and its key (both or neither). */
  TEMPORAL_TLS_CERT: optionalText(),
  TEMPORAL_TLS_KEY: optionalText(),
  /** Path of the PEM CA that signed the server's certificate, when it is not a public one. */
  TEMPORAL_TLS_CA: optionalText(),
  /** The name the server's certificate carries, when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: optionalText(),
  /** Sent as `Authorization: Bearer …` (Temporal Cloud API keys); implies TLS. */
  TEMPORAL_API_KEY: optionalText(),
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
  /**
   * The key the API signs identities and run starts with and the worker checks them against (runs/signing.ts,
   * docs/security.md). Required by the standalone API and worker; `npm start` makes one under LIFEBOAT_HOME.
   */
  LIFEBOAT_SIGNING_KEY: optionalText().refine((v) => v === undefined || v.length >= 32, 'LIFEBOAT_SIGNING_KEY must be at least 32 characters (e.g. `openssl rand -base64 32`)'),
  /** Comma-separated keys that signed before a rotation: still accepted, never used to sign. */
  LIFEBOAT_SIGNING_KEY_PREVIOUS: commaList(),
  /** Serve GET /metrics without a token (for Prometheus scrapers that cannot send one); otherwise it needs viewer. */
  LIFEBOAT_METRICS_PUBLIC: z.stringbool().default(false),
  /** host:port where the standalone worker serves its own GET /metrics, /livez and /readyz (docs/operations.md); unset, it serves none. */
  LIFEBOAT_WORKER_METRICS_ADDRESS: listenAddress('LIFEBOAT_WORKER_METRICS_ADDRESS'),
  /** host:port where the Temporal SDK serves its worker metrics (task slots, polls, latencies) in Prometheus format; unset, it serves none. */
  LIFEBOAT_TEMPORAL_METRICS_ADDRESS: listenAddress('LIFEBOAT_TEMPORAL_METRICS_ADDRESS'),
  /** The commit this build is of, shown by the lifeboat_build_info metric (the Docker image sets it from its build argument). */
  LIFEBOAT_COMMIT: optionalText(),
  /** Comma-separated absolute paths of the executables `command` steps may run. Empty means no command may run. */
  LIFEBOAT_COMMAND_ALLOWLIST: absolutePaths('LIFEBOAT_COMMAND_ALLOWLIST', 'executable', '/usr/local/bin/kubectl'),
  /** Comma-separated absolute directories a `command` step's `cwd` may be in (empty: steps may not set cwd). */
  LIFEBOAT_COMMAND_ROOTS: absolutePaths('LIFEBOAT_COMMAND_ROOTS', 'directory', '/srv/runbooks'),
  /** CIDRs outbound HTTP may reach even though the built-in list denies them (loopback, say: 127.0.0.0/8,::1). */
  LIFEBOAT_EGRESS_ALLOW: cidrList('LIFEBOAT_EGRESS_ALLOW'),
  /** CIDRs outbound HTTP may never reach, in addition to link-local and cloud metadata addresses. */
  LIFEBOAT_EGRESS_DENY: cidrList('LIFEBOAT_EGRESS_DENY'),
  /** The largest response body (after decompression) an http or check step reads, in bytes. */
  LIFEBOAT_HTTP_MAX_BODY: z.coerce
    .number()
    .int()
    .min(1024, 'LIFEBOAT_HTTP_MAX_BODY must be at least 1024 bytes')
    .default(1024 * 1024),
  /** How long one outbound request (headers and body) may take, at most; the step's own timeout may end it sooner. */
  LIFEBOAT_HTTP_TIMEOUT: z
    .string()
    .default('5m')
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `LIFEBOAT_HTTP_TIMEOUT: '${text}' is not a duration such as 30s or 5m` });
        return z.NEVER;
      }
      return ms;
    }),
  /** Who may upload runbook versions that add or change command steps or secret references: `admin` only, or anyone with author, the version then running in recovery mode only after a second person's review (`required`). */
  LIFEBOAT_RUNBOOK_REVIEW: z.enum(['admin', 'required']).default('admin'),
  /** Mutating requests (POST, PUT, PATCH, DELETE) each token may make per minute, on average; 0 turns the limit off. */
  LIFEBOAT_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
  /** How many mutating requests a token may make at once before LIFEBOAT_RATE_LIMIT's pace applies. */
  LIFEBOAT_RATE_BURST: z.coerce.number().int().min(1).default(120),
  /** Event streams (GET /runs/:id/events) open at once, per token and in all. */
  LIFEBOAT_SSE_PER_TOKEN: z.coerce.number().int().min(1).default(10),
  LIFEBOAT_SSE_TOTAL: z.coerce.number().int().min(1).default(200),
  /** MB of timeline documents the API keeps parsed, with their JSON text, while their stored bytes stay the same (docs/performance.md, "Reads"); 0 keeps none. */
  LIFEBOAT_TIMELINE_CACHE_MB: z.coerce.number().min(0).default(16),
  /** Ed25519 key the worker signs timeline heads with (PEM PKCS#8, or base64 of the 32-byte seed); see docs/evidence.md. */
  LIFEBOAT_EVIDENCE_KEY: optionalText(),
  /**
   * How often the worker checks the drill programme for overdue drills and tells their owners (docs/reports-and-schedules.md),
   * through a Temporal Schedule it keeps; `off` keeps none (the programme gauges then stay empty).
   */
  LIFEBOAT_DRILL_CHECK_EVERY: z
    .string()
    .trim()
    .default('10m')
    .transform((text, ctx) => {
      if (text === 'off') return undefined;
      const ms = parseDuration(text);
      if (ms === undefined || ms < 60_000) {
        ctx.addIssue({ code: 'custom', message: `LIFEBOAT_DRILL_CHECK_EVERY: '${text}' is not a duration of at least a minute such as 10m or 1h, or off` });
        return z.NEVER;
      }
      return ms;
    }),
  /**
   * Runs whose workflow state the worker keeps in memory between workflow tasks (Temporal's sticky cache). A run
   * beyond it is evicted and replays its history on its next workflow task, on any worker. Temporal's default derives
   * it from the V8 heap limit (600 per GiB above 200 MiB: thousands on a large machine), ignoring the native memory
   * each cached run also holds; see docs/performance.md ("Memory").
   */
  LIFEBOAT_WORKER_CACHED_RUNS: z.coerce.number().int().min(2, 'LIFEBOAT_WORKER_CACHED_RUNS must be at least 2 (Temporal needs 2 to run workflow tasks)').default(500),
  /** Step activities (http, check, command, mail, records) one worker runs at once; more wait on the task queue for a free slot. */
  LIFEBOAT_WORKER_ACTIVITIES: z.coerce.number().int().min(1).default(100),
  /** How much the API, worker and embedded default log (JSON lines; pretty when a terminal is attached); see docs/operations.md. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where traces go over OTLP/HTTP (the collector's base URL; spans are POSTed to /v1/traces); unset, tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl('OTEL_EXPORTER_OTLP_ENDPOINT', ['http://', 'https://']),
  /** The service.name traces carry. */
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('lifeboat'),
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  /** Temporal's web UI (e.g. https://cloud.temporal.io or http://temporal-ui:8080): the console links each run to its workflow there. The embedded default uses its own. */
  LIFEBOAT_TEMPORAL_UI_URL: optionalUrl('LIFEBOAT_TEMPORAL_UI_URL', ['http://', 'https://']),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  FERRETDB_PORT: z.coerce.number().int().min(1).max(65535).default(27017),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(2525),
  ...channelKeys(),
});

/** TLS settings of every Temporal connection (api, worker, CLI), read from the TEMPORAL_TLS_* files once. */
export const TemporalTls = z.object({
  clientCertPair: z.object({ crt: z.instanceof(Buffer), key: z.instanceof(Buffer) }).optional(),
  serverRootCACertificate: z.instanceof(Buffer).optional(),
  serverNameOverride: z.string().optional(),
});
export type TemporalTls = z.infer<typeof TemporalTls>;

export const Config = ConfigVariables.transform((env, ctx) => {
  const read = (name: 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA'): Buffer | undefined => {
    const file = env[name];
    if (file === undefined) return undefined;
    try {
      const pem = readFileSync(file);
      if (!pem.includes('-----BEGIN ')) ctx.addIssue({ code: 'custom', path: [name], message: `${file} is not a PEM file (no -----BEGIN line)` });
      return pem;
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: [name], message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      return undefined;
    }
  };
  const crt = read('TEMPORAL_TLS_CERT');
  const key = read('TEMPORAL_TLS_KEY');
  const ca = read('TEMPORAL_TLS_CA');
  if ((env.TEMPORAL_TLS_CERT === undefined) !== (env.TEMPORAL_TLS_KEY === undefined)) {
    const [set, unset] = env.TEMPORAL_TLS_CERT === undefined ? ['TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT'] : ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY'];
    ctx.addIssue({ code: 'custom', path: [unset], message: `${set} is set but ${unset} is not: mTLS needs both the client certificate and its key` });
  }
  const tlsWanted = crt || ca || env.TEMPORAL_TLS_SERVER_NAME;
  const temporalTls: TemporalTls | undefined = tlsWanted
    ? {
        ...(crt && key ? { clientCertPair: { crt, key } } : {}),
        ...(ca ? { serverRootCACertificate: ca } : {}),
        ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
      }
    : undefined;
  let evidenceKey: EvidenceKey | undefined;
  try {
    evidenceKey = env.LIFEBOAT_EVIDENCE_KEY === undefined ? undefined : parseEvidenceKey(env.LIFEBOAT_EVIDENCE_KEY);
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: ['LIFEBOAT_EVIDENCE_KEY'], message: err instanceof Error ? err.message : String(err) });
  }
  return { ...env, temporalTls, evidenceKey };
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
