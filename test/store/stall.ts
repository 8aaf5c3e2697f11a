import type { Collection, Db } from 'mongodb';

const OPERATIONS = new Set(['findOne', 'find', 'insertOne', 'insertMany', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'findOneAndUpdate', 'findOneAndReplace']);

/**
 * The same database, except that the `n`-th operation sent through it (1-based, counting every collection call, or
 * only the calls of `operation` when given) waits until `release()`: a write attempt that stalls on the network at
 * that point and lands later.
 */
export function stallBefore(db: Db, n: number, operation?: string) {
  let count = 0;
  let reached!: () => void;
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const wrap = <T extends object>(collection: Collection<T>): Collection<T> =>
    new Proxy(collection, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || typeof prop !== 'string' || !OPERATIONS.has(prop) || (operation !== undefined && prop !== operation)) return value;
        return async (...args: unknown[]) => {
          if (++count === n) {
            reached();
            await released;
          }
          return Reflect.apply(value, target, args);
        };
      },
    });
  const stalling = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'collection') return (name: string) => wrap(target.collection(name));
      return Reflect.get(target, prop, receiver);
    },
  });
  return {
    db: stalling,
    release,
    /** Resolves once `write` reaches the stall point; rejects if it finishes without reaching it. */
    reached: (write: Promise<unknown>) => Promise.race([stalled, write.then(() => Promise.reject(new Error(`the write finished before its operation ${n}`)))]),
  };
}
