import mongoose from 'mongoose';

export type Db = NonNullable<mongoose.Connection['db']>;

/** An open store: the mongoose connection and its database. */
export interface Store {
  connection: mongoose.Connection;
  db: Db;
  close(): Promise<void>;
}

/** Connects to MongoDB (or FerretDB); the database is the URI's path, else `lifeboat`. */
export async function connectStore(uri: string): Promise<Store> {
  const hasDbInPath = /^mongodb(\+srv)?:\/\/[^/]+\/[^?]+/.test(uri);
  const connection = mongoose.createConnection(uri, {
    ...(hasDbInPath ? {} : { dbName: 'lifeboat' }),
    // Every operation gives up inside the 10 s start-to-close of the activities that write the record and the
    // timeline (workflows/timeline.ts, workflows/engine.ts), so a write attempt Temporal has already given up on does
    // not linger and land long after its retry; with the store down, attempts fail fast and the activity's retry
    // policy does the waiting. The driver's `timeoutMS` is a no-op in mongodb 7.x, so each stage an operation can
    // spend time in is bounded: finding the server, waiting for a pooled connection, opening one, each send/receive.
    // Together under 10 s (3 + 1 + 2 + 3.5 = 9.5 s); the fences in timeline.ts and runs.ts make a late write harmless.
    serverSelectionTimeoutMS: 3000,
    waitQueueTimeoutMS: 1000,
    connectTimeoutMS: 2000,
    socketTimeoutMS: 3500,
    // Off, so every store behaves alike: the driver's one automatic retry of a failed write exists only on
    // replica sets (never on FerretDB v1, a standalone without sessions). A failed write fails its caller instead;
    // activities are retried by Temporal and write idempotently (fixed _ids, a duplicate key is "already written").
    retryWrites: false,
  });
  await connection.asPromise();
  const db = connection.db;
  if (!db) throw new Error(`connected to ${redactUri(uri)} but no database handle is available`);
  return { connection, db, close: () => connection.close() };
}

/** The URI without its password, for messages and logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

/** True for MongoDB's duplicate-key error, which our idempotent inserts treat as "already written". */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 11000;
}
