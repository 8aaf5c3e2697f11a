// Many requests at once read the same documents (a burst of triggers: one token, one runbook). Rather than one read
// each, concurrent reads of the same key share one, and never one that began before them: a caller joins only a read
// that is still waiting to be sent, which is sent once the read in flight before it has answered. So every caller
// sees the store as it was at some moment after it called (a token revoked, or a runbook version stored, before the
// call is seen by it), no cache to expire or invalidate, and at most one read in flight and one waiting per key.

const noop = () => undefined;

/** Shares reads of the same key among the callers waiting for the next one (per process; nothing is kept after). */
export class ReadCoalescer<V> {
  private readonly waiting = new Map<string, Promise<V>>();
  private readonly last = new Map<string, Promise<void>>();

  /** `read()`'s answer, from a read sent after this call; concurrent callers with the same key share it. */
  read(key: string, read: () => Promise<V>): Promise<V> {
    const joined = this.waiting.get(key);
    if (joined) return joined;
    const before = this.last.get(key) ?? Promise.resolve();
    const next = before.then(() => {
      // Sent now: later callers wait for the read after this one.
      this.waiting.delete(key);
      return read();
    });
    this.waiting.set(key, next);
    const settled = next.then(noop, noop).then(() => {
      if (this.last.get(key) === settled) this.last.delete(key);
    });
    this.last.set(key, settled);
    return next;
  }
}

/** One coalescer per store connection (a second connection, e.g. another API in a test, shares nothing). */
export function perStore<D extends object, V>(): (db: D) => ReadCoalescer<V> {
  const all = new WeakMap<D, ReadCoalescer<V>>();
  return (db) => {
    let c = all.get(db);
    if (!c) all.set(db, (c = new ReadCoalescer<V>()));
    return c;
  };
}
