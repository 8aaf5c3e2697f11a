import { MongoClient } from 'mongodb';
import path from 'node:path';
import { serverBinary } from './binaries';
import { portAnswers, startProcess, waitUntil, type Started } from './process';

/** True when a MongoDB-wire server answers a ping at `uri`. */
export async function mongoAnswers(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}

/** Starts FerretDB (SQLite backend, data in `dataDir`) and waits until it answers a ping. */
export async function startFerretDb(o: { port: number; dataDir: string; logFile: string }): Promise<Started> {
  if (await portAnswers(o.port)) throw new Error(`port ${o.port} (FerretDB) is already in use: stop what uses it or set FERRETDB_PORT`);
  const args = ['--listen-addr', `127.0.0.1:${o.port}`, '--sqlite-dir', path.resolve(o.dataDir)];
  const started = startProcess('ferretdb', serverBinary('ferretdb'), args, o.logFile, { ...process.env, DO_NOT_TRACK: '1' });
  try {
    await waitUntil('FerretDB', () => mongoAnswers(`mongodb://127.0.0.1:${o.port}/`), 30_000, started, o.logFile);
  } catch (err) {
    await started.stop();
    throw err;
  }
  return started;
}
