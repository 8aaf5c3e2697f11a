// Point operations on the store against the collection's size: a `{_id}` read, a compare-and-set update
// (`{_id, rev}`, the shape of a timeline head fence) and a one-document insert, on collections of a small and a
// large size. With the `_id` index used (MongoDB, or FerretDB with tools/ferretdb/sqlite-id-index.patch) the large
// collection costs about what the small one does (`ratio` ≈ 1); a scan makes it grow with the size.
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/connection';
import type { Scenario } from './context';

const SMALL = Number(process.env.BENCH_STORE_SMALL ?? 1_000);
const LARGE = Number(process.env.BENCH_STORE_LARGE ?? 20_000);
const OPS = Number(process.env.BENCH_STORE_OPS ?? 300);

interface Figures {
  findMs: number;
  casMs: number;
  insertMs: number;
}

async function measure(db: Db, docs: number): Promise<Figures> {
  const col = db.collection<{ _id: string; rev: number; body: string }>(`bench_store_${randomBytes(4).toString('hex')}`);
  try {
    const body = 'x'.repeat(200);
    for (let i = 0; i < docs; i += 1_000) {
      await col.insertMany(Array.from({ length: Math.min(1_000, docs - i) }, (_, j) => ({ _id: `doc-${i + j}`, rev: 0, body })));
    }
    const pick = (i: number): string => `doc-${(i * 7_919) % docs}`;
    const time = async (op: (i: number) => Promise<unknown>): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < OPS; i++) await op(i);
      return Math.round(((performance.now() - t0) / OPS) * 1_000) / 1_000;
    };
    const findMs = await time((i) => col.findOne({ _id: pick(i) }));
    const casMs = await time(async (i) => {
      const id = pick(i);
      const cur = await col.findOne({ _id: id });
      await col.updateOne({ _id: id, rev: cur!.rev }, { $set: { rev: cur!.rev + 1 } });
    });
    const insertMs = await time((i) => col.insertOne({ _id: `new-${i}`, rev: 0, body }));
    return { findMs, casMs, insertMs };
  } finally {
    await col.drop().catch(() => undefined);
  }
}

export const storeScenario: Scenario = {
  name: 'store',
  run: async (ctx) => {
    const db = ctx.lb.store.db;
    const small = await measure(db, SMALL);
    const large = await measure(db, LARGE);
    ctx.print('store', {
      small: { docs: SMALL, ...small },
      large: { docs: LARGE, ...large },
      ratio: { find: round(large.findMs / small.findMs), cas: round(large.casMs / small.casMs), insert: round(large.insertMs / small.insertMs) },
    });
  },
};

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
