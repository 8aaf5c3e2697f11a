// Proxies that let a test count what a request costs: the collections it reads and the Temporal calls it makes.
import type { Client } from '@temporalio/client';
import type { Db } from '../../store/connection';

/** The database, pushing onto `into` the name of every collection an operation goes to. */
export function countingDb(db: Db, into: string[]): Db {
  return new Proxy(db, {
    get: (target, prop, receiver) => {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'collection' || typeof value !== 'function') return value;
      return (name: string, ...rest: unknown[]) => {
        into.push(name);
        return (value as (...a: unknown[]) => unknown).call(target, name, ...rest);
      };
    },
  });
}

/** The client, pushing onto `into` every use of its Temporal services (`workflow.start`, `schedule.list`…). */
export function watchedClient(client: Client, into: string[]): Client {
  const wrap = <T extends object>(o: T, path: string): T =>
    new Proxy(o, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value === 'function') return (...args: unknown[]) => (into.push(`${path}.${String(prop)}`), (value as (...a: unknown[]) => unknown).apply(target, args));
        return value;
      },
    });
  return new Proxy(client, {
    get: (target, prop, receiver) => {
      const value = Reflect.get(target, prop, receiver) as unknown;
      return ['workflow', 'workflowService', 'schedule', 'connection'].includes(String(prop)) && typeof value === 'object' && value !== null ? wrap(value, String(prop)) : value;
    },
  });
}
