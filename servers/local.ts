import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LocalServer } from '../api/routes/health';
import type { Config } from '../config';
import { startFerretDb, mongoAnswers } from './ferretdb';
import { startMailCatcher } from './mailcatcher';
import { freePort, portAnswers, type Started } from './process';
import { supervise, type Supervised } from './supervise';
import { startTemporalDev, temporalAnswers } from './temporal';

/** Where Lifeboat's servers are, and how to stop the ones started here. */
export interface Servers {
  temporalAddress: string;
  temporalUiUrl?: string;
  mongoUri: string;
  smtpUrl: string;
  /** Where the embedded mail catcher stores messages, when it is the SMTP server. */
  mailDir?: string;
  notes: string[];
  /** The state of each server started here that is supervised (Temporal, FerretDB): restarted when it exits. */
  states(): LocalServer[];
  /** Stops the servers started here, each one's supervision ended first so it is not restarted. */
  stop(): Promise<void>;
}

/**
 * Uses the servers named by TEMPORAL_ADDRESS, MONGODB_URI and SMTP_URL; for each one not named, reuses a local
 * server already answering on its port (a previous `npm start`) or starts one with its data under `home`.
 * `ephemeral` (tests) means free ports, no persistence and no Web UI.
 */
export async function startServers(config: Config, o: { home: string; ephemeral?: boolean; log: (line: string) => void }): Promise<Servers> {
  const stops: Array<() => Promise<void>> = [];
  const notes: string[] = [];
  const supervised: Supervised[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  const own = (s: Started | { stop(): Promise<void> }) => stops.push(() => s.stop());
  const keep: Keep = async (name, start) => {
    const s = await supervise(name, start, { log: o.log });
    supervised.push(s);
    own(s);
  };
  try {
    const temporal = await useTemporal(config, o, keep, notes);
    const mongo = await useMongo(config, o, keep, notes, own);
    const mail = await useMail(config, o, own, notes);
    return { ...temporal, mongoUri: mongo, ...mail, notes, states: () => supervised.map((s) => s.state()), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

type Own = (s: { stop(): Promise<void> }) => void;
/** Starts a server under supervision (restarted on the same ports and data when it exits) and owns it. */
type Keep = (name: string, start: () => Promise<Started>) => Promise<void>;
type Opts = { home: string; ephemeral?: boolean; log: (line: string) => void };

async function useTemporal(config: Config, o: Opts, keep: Keep, notes: string[]): Promise<{ temporalAddress: string; temporalUiUrl?: string }> {
  if (config.TEMPORAL_ADDRESS) {
    notes.push(`Temporal: ${config.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`);
    return { temporalAddress: config.TEMPORAL_ADDRESS };
  }
  const port = o.ephemeral ? await freePort() : config.TEMPORAL_PORT;
  const address = `127.0.0.1:${port}`;
  const uiUrl = o.ephemeral ? undefined : `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;
  if (!o.ephemeral && (await portAnswers(port)) && (await temporalAnswers(address, config.TEMPORAL_NAMESPACE).catch(() => false))) {
    notes.push(`Temporal: reusing the server already running at ${address}`);
    return { temporalAddress: address, temporalUiUrl: uiUrl };
  }
  o.log(`starting Temporal dev server on ${address}${o.ephemeral ? '' : ` (data: ${path.join(o.home, 'temporal.db')})`}...`);
  const options = {
    port,
    uiPort: o.ephemeral ? undefined : config.TEMPORAL_UI_PORT,
    httpPort: await freePort(),
    metricsPort: await freePort(),
    dbFile: o.ephemeral ? undefined : path.join(o.home, 'temporal.db'),
    namespace: config.TEMPORAL_NAMESPACE,
    logFile: path.join(o.home, 'logs', 'temporal.log'),
  };
  await keep('Temporal', () => startTemporalDev(options));
  notes.push(`Temporal: started at ${address}`);
  return { temporalAddress: address, temporalUiUrl: uiUrl };
}

/**
 * Where throwaway FerretDB data goes: in memory (tmpfs) when the machine has one, as the ephemeral Temporal dev
 * server keeps its own, so tests and the bench do not wait for a disk flush on every write of data nobody keeps.
 * Removed on stop.
 */
function throwawayDir(home: string, own: Own): string {
  if (!existsSync('/dev/shm')) return path.join(home, 'ferretdb');
  const dir = mkdtempSync('/dev/shm/lifeboat-ferretdb-');
  own({ stop: async () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

async function useMongo(config: Config, o: Opts, keep: Keep, notes: string[], own: Own): Promise<string> {
  if (config.MONGODB_URI) {
    notes.push('MongoDB: MONGODB_URI');
    return config.MONGODB_URI;
  }
  const port = o.ephemeral ? await freePort() : config.FERRETDB_PORT;
  const uri = `mongodb://127.0.0.1:${port}/lifeboat`;
  if (!o.ephemeral && (await portAnswers(port)) && (await mongoAnswers(uri).catch(() => false))) {
    notes.push(`MongoDB: reusing the server already running at 127.0.0.1:${port}`);
    return uri;
  }
  const dataDir = o.ephemeral ? throwawayDir(o.home, own) : path.join(o.home, 'ferretdb');
  o.log(`starting FerretDB on 127.0.0.1:${port} (data: ${dataDir})...`);
  await keep('FerretDB', () => startFerretDb({ port, dataDir, logFile: path.join(o.home, 'logs', 'ferretdb.log') }));
  notes.push(`MongoDB: FerretDB started at 127.0.0.1:${port}`);
  return uri;
}

async function useMail(config: Config, o: Opts, own: Own, notes: string[]): Promise<{ smtpUrl: string; mailDir?: string }> {
  if (config.SMTP_URL) {
    notes.push('SMTP: SMTP_URL');
    return { smtpUrl: config.SMTP_URL };
  }
  const dir = path.join(o.home, 'mail');
  const catcher = await startMailCatcher({ port: o.ephemeral ? 0 : config.SMTP_PORT, dir });
  own(catcher);
  notes.push(`SMTP: mail is captured in ${dir} (port ${catcher.port}); set SMTP_URL to deliver it`);
  return { smtpUrl: `smtp://127.0.0.1:${catcher.port}`, mailDir: dir };
}
