// Proxies that let a test count what a request costs: the collections it reads and the Temporal calls it makes.
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { RunService } from '../../runs/service';
import type { Lifeboat } from '../../servers/lifeboat';
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

/**
 * An API over `db` (no worker behind it) that records the collections its requests read into `reads` and its Temporal
 * calls into `temporalCalls`: its URL, and close().
 */
export async function countingApi(
  lb: Lifeboat & { adminToken: string },
  db: Db,
  into: { reads: string[]; temporalCalls: string[] },
): Promise<{ url: string; close(): Promise<void> }> {
  const runs = new RunService({ client: lb.client, db, taskQueue: `no-worker-${randomUUID()}`, signer: lb.signer });
  const app = createApp({ client: watchedClient(lb.client, into.temporalCalls), db: countingDb(db, into.reads), namespace: 'default', runs, adminToken: lb.adminToken });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
