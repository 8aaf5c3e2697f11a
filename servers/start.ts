// `npm start`: the embedded default. Starts (or reuses) Temporal and FerretDB with their data under .lifeboat/,
// a local mail catcher, the worker and the API; syncs runbooks/ into the registry; Ctrl-C stops what it started.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, ConfigVariables, loadConfig } from '../config';
import { createLogger, stdout, stdoutAndFile, type Logger } from '../logging/logger';
import { processLogger } from '../logging/process';
import { assertNotificationConfig } from '../notify/check';
import { syncRunbooks } from '../store/sync';
import { startLifeboat } from './lifeboat';
import { startServers } from './local';
import { installRuntime, runtimeOptions } from '../worker/runtime';
import { startTracing } from '../tracing/start';

const LOOPBACK = '127.0.0.0/8,::1';

let logger: Logger | undefined;

async function main(): Promise<void> {
  // LIFEBOAT_HOME is read ahead of the rest: the admin token the full configuration needs may be kept there.
  const home = path.resolve(ConfigVariables.shape.LIFEBOAT_HOME.parse(process.env.LIFEBOAT_HOME));
  mkdirSync(home, { recursive: true });
  const tokenFile = path.join(home, 'admin-token');
  if (!process.env.LIFEBOAT_ADMIN_TOKEN) process.env.LIFEBOAT_ADMIN_TOKEN = adminToken(tokenFile);
  // The embedded default runs next to what it manages, so it may reach this machine; a deployment says so itself.
  const loopbackAllowed = process.env.LIFEBOAT_EGRESS_ALLOW === undefined;
  if (loopbackAllowed) process.env.LIFEBOAT_EGRESS_ALLOW = LOOPBACK;
  // The API and the worker run in this process and share the key that signs identities (docs/security.md).
  if (!process.env.LIFEBOAT_SIGNING_KEY) process.env.LIFEBOAT_SIGNING_KEY = keptSecret(path.join(home, 'signing-key'), 'base64');
  const evidenceKeyFile = path.join(home, 'evidence-key.pem');
  if (!process.env.LIFEBOAT_EVIDENCE_KEY) process.env.LIFEBOAT_EVIDENCE_KEY = evidenceKey(evidenceKeyFile);
  const config = loadConfig();
  // The terminal shows the lines (pretty); the file keeps them as JSON, next to Temporal's and FerretDB's logs.
  const logFile = path.join(home, 'logs', 'lifeboat.log');
  logger = processLogger(config, { destination: stdoutAndFile(logFile) });
  const log = (line: string) => logger!.info(line);
  const shown = path.relative(process.cwd(), logFile);
  log(`logs: ${shown.startsWith('..') ? logFile : shown} (JSON lines; LOG_LEVEL=${config.LOG_LEVEL}; docs/operations.md)`);
  if (loopbackAllowed) log(`egress: loopback (${LOOPBACK}) is allowed for the embedded default; set LIFEBOAT_EGRESS_ALLOW to change that`);
  assertNotificationConfig(config, (w) => logger!.warn(w));
  // We own shutdown: Ctrl-C stops the API and worker first, then the servers we started.
  installRuntime({ ...runtimeOptions(logger, { shutdownSignals: [] }), temporalMetricsAddress: config.LIFEBOAT_TEMPORAL_METRICS_ADDRESS });
  const tracing = await startTracing(config);
  if (tracing) log(`traces: OTLP/HTTP to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}`);
  const servers = await startServers(config, { home, log });
  let lifeboat;
  try {
    lifeboat = await startLifeboat({
      config,
      temporalAddress: servers.temporalAddress,
      mongoUri: servers.mongoUri,
      smtpUrl: servers.smtpUrl,
      logger,
      tracing,
      localServers: servers.states,
      temporalUiUrl: servers.temporalUiUrl,
    });
  } catch (err) {
    await servers.stop();
    throw err;
  }
  const synced = await syncRunbooks(lifeboat.store.db, path.resolve(config.LIFEBOAT_RUNBOOKS));
  for (const r of synced) {
    if (r.errors) r.errors.forEach((e) => logger!.error(`runbook not loaded: ${e}`));
    else log(`runbook ${r.id} v${r.version}${r.created ? ' (new version)' : ''} from ${path.relative(process.cwd(), r.file)}`);
    if (r.warning) logger.warn(r.warning);
  }
  servers.notes.forEach((n) => log(n));
  log(`Console:     ${lifeboat.url}/  (sign in with the admin token below, or one from \`lifeboat token create\`)`);
  log(`API:         ${lifeboat.url}  (try: curl ${lifeboat.url}/health)`);
  if (servers.temporalUiUrl) log(`Temporal UI: ${servers.temporalUiUrl}`);
  if (existsSync(tokenFile) && readFileSync(tokenFile, 'utf8').trim() === config.LIFEBOAT_ADMIN_TOKEN) {
    log(`admin token: ${tokenFile} (curl -H "Authorization: Bearer $(cat ${path.relative(process.cwd(), tokenFile)})" …)`);
  }
  log('ready; press Ctrl-C to stop');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping...`);
    await lifeboat.stop();
    await servers.stop();
    await tracing?.shutdown();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** The embedded default's admin token: made once, kept (readable by this user only) under LIFEBOAT_HOME. */
function adminToken(file: string): string {
  return keptSecret(file, 'base64url', 'lb_');
}

/** A random secret made once and kept (readable by this user only) in `file`. */
function keptSecret(file: string, encoding: 'base64' | 'base64url', prefix = ''): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = `${prefix}${randomBytes(32).toString(encoding)}`;
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The embedded default's evidence key (Ed25519, PEM): made once, kept under LIFEBOAT_HOME, never in the database. */
function evidenceKey(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(file, pem, { mode: 0o600 });
  return pem;
}

main().catch((err: unknown) => {
  (logger ?? createLogger({ level: 'info', destination: stdout() })).fatal(err instanceof ConfigError || err instanceof Error ? err.message : String(err));
  process.exit(1);
});
