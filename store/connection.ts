import { MongoClient, type Db } from 'mongodb';

export type { Db };

/** An open store: the driver's client and its database. */
export interface Store {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** Connects to MongoDB (or FerretDB); the database is the URI's path, else `lifeboat`. */
export async function connectStore(uri: string): Promise<Store> {
  const hasDbInPath = /^mongodb(\+srv)?:\/\/[^/]+\/[^?]+/.test(uri);
  // The driver itself, not an ODM: every store module speaks to collections directly (and mongoose cost each process
  // about 3 MB of heap for nothing else).
  const client = new MongoClient(uri, {
    // Every operation gives up inside the 30 s start-to-close of the activities that write the record and the
    // timeline (workflows/timeline.ts, workflows/engine.ts), so a write attempt Temporal has already given up on does
    // not linger and land long after its retry; with the store down, attempts fail and the activity's retry policy
    // does the waiting. The driver's `timeoutMS` is a no-op in mongodb 7.x, so each stage an operation can spend time
    // in is bounded: finding the server, waiting for a pooled connection, opening one, each send/receive. Together
    // under 30 s (5 + 5 + 5 + 12 = 27 s). Not tighter: FerretDB's SQLite backend serialises writes, and a burst of
    // concurrent writes (test/store/registry.test.ts) legitimately waits seconds. The fences in timeline.ts and
    // runs.ts make a late write harmless anyway.
    serverSelectionTimeoutMS: 5000,
    waitQueueTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    socketTimeoutMS: 12_000,
    // Off, so every store behaves alike: the driver's one automatic retry of a failed write exists only on
    // replica sets (never on FerretDB v1, a standalone without sessions). A failed write fails its caller instead;
    // activities are retried by Temporal and write idempotently (fixed _ids, a duplicate key is "already written").
    retryWrites: false,
  });
  await client.connect();
  const db = client.db(hasDbInPath ? undefined : 'lifeboat');
  return { client, db, close: () => client.close() };
}

/** The URI without its password, for messages and logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

/** True for MongoDB's duplicate-key error, which our idempotent inserts treat as "already written". */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 11000;
}

// The driver's names for "the store did not answer" (as opposed to a refused or malformed operation): server
// selection, the network, an exhausted connection pool, a closed client.
const UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoWaitQueueTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** The driver's message when `err` says the store is unreachable (so a caller answers 503, not 500); else undefined. */
export function storeUnavailable(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (UNAVAILABLE.has(e.name)) return e.message;
  return undefined;
}
