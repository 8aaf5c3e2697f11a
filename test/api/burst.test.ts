// What a burst of triggers shares, attacked: concurrent token lookups, runbook reads and rate counts share store
// round trips (store/coalesce.ts, store/rate.ts, the parsed-definition cache in store/registry.ts), and none of that
// may let a revoked token in, pin a runbook other than the stored one, let a token past its limit in two API
// processes, or start a second run for a replayed Idempotency-Key.
import { WorkflowNotFoundError } from '@temporalio/client';
import { MongoNetworkError } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { RunService } from '../../runs/service';
import type { Lifeboat } from '../../servers/lifeboat';
import { connectStore, type Db, type Store } from '../../store/connection';
import { claimIdempotencyKey, idempotencyId, type IdempotencyRecord } from '../../store/idempotency';
import { saveRunbook } from '../../store/registry';
import { createToken, revokeToken } from '../../store/tokens';
import { validateRunbookObject } from '../../model/validate';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook } from '../harness/runs';
import { clientWith, tokenWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';
import { apiWith } from '../security/api';

let lb: Lifeboat & { adminToken: string; taskQueue: string };
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  lb = await startTestLifeboat();
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await lb?.stop();
});

const bearer = (url: string, token: string) => apiClient(url, { authorization: `Bearer ${token}` });
const bound = (t: object, p: string | symbol): unknown => {
  const v: unknown = Reflect.get(t, p);
  return typeof v === 'function' ? v.bind(t) : v;
};

/** Another store connection, as another API process has: it shares nothing in memory with this one. */
async function otherStore(query = ''): Promise<Store> {
  const uri = process.env.MONGODB_URI!;
  const store = await connectStore(query ? `${uri}${uri.includes('?') ? '&' : '?'}${query}` : uri);
  stops.push(() => store.close());
  return store;
}

// A path no route serves: a live token gets past authentication to 404, a revoked one stops there with 401 (and the
// probe reads nothing else, so a loaded store does not blur the answer).
const PROBE = '/no-such-route';

/** `db` with one collection's methods replaced (the rest of the store as it is). */
function withCollection(db: Db, name: string, methods: (c: ReturnType<Db['collection']>) => Record<string, unknown>): Db {
  const collection = (n: string) => {
    const c = db.collection(n);
    if (n !== name) return c;
    const replaced = methods(c);
    return new Proxy(c, { get: (t, p) => (typeof p === 'string' && p in replaced ? replaced[p] : bound(t, p)) });
  };
  return new Proxy(db, { get: (t, p) => (p === 'collection' ? collection : bound(t, p)) }) as Db;
}

describe('a revoked token during a burst', () => {
  it('is refused to a request that arrives after the revocation, though a lookup begun before it is still in flight', async () => {
    // The tokens collection of another API process, whose findOne answers are held at a gate after the store read
    // them: the worst moment, a lookup that read the live token and has not answered yet.
    const store = await otherStore();
    let hold = true;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let reads = 0;
    let lookups = 0;
    const collection = (name: string) => {
      const c = store.db.collection(name);
      if (name !== 'tokens') return c;
      lookups++;
      const findOne = async (...args: Parameters<typeof c.findOne>) => {
        const doc = await c.findOne(...args);
        reads++;
        if (hold) await gate;
        return doc;
      };
      return new Proxy(c, { get: (t, p) => (p === 'findOne' ? findOne : bound(t, p)) });
    };
    const db = new Proxy(store.db, { get: (t, p) => (p === 'collection' ? collection : bound(t, p)) }) as Db;
    const { url, stop } = await apiWith(lb, {}, { db });
    stops.push(stop);
    const name = `burst-${randomUUID().slice(0, 8)}`;
    const created = await createToken(lb.store.db, { name, roles: ['viewer'], createdBy: 'test' });
    const mallory = bearer(url, created!.token);
    const early = mallory.get(PROBE);
    await waitFor(
      'the first lookup to read the live token',
      async () => reads,
      (n) => n >= 1,
    );
    expect(await revokeToken(lb.store.db, name)).toBe(true);
    const late = mallory.get(PROBE);
    await waitFor(
      'the second request to look its token up',
      async () => lookups,
      (n) => n >= 2,
    );
    hold = false;
    open();
    expect((await early).status).toBe(404);
    const refused = await late;
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/unknown or revoked/);
  });

  it('stops working at once for every request of a burst sent after it is revoked through the API', async () => {
    const admin = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
    const name = `burst-${randomUUID().slice(0, 8)}`;
    const { body } = await admin.post('/tokens', { name, roles: ['viewer'] });
    const before = await Promise.all(Array.from({ length: 20 }, () => bearer(lb.url, body.token).get(PROBE)));
    expect(before.map((a) => a.status)).toEqual(Array(20).fill(404));
    expect((await admin.raw('DELETE', `/tokens/${name}`)).status).toBe(204);
    const after = await Promise.all(Array.from({ length: 20 }, () => bearer(lb.url, body.token).get(PROBE)));
    expect(after.map((a) => a.status)).toEqual(Array(20).fill(401));
  });
});

describe('the runbook a trigger pins', () => {
  it('is the stored document: a version document edited in the store is read as edited, and a new version is pinned at once', async () => {
    const runbook = await registerRunbook(lb, { id: 'pinned', steps: [{ id: 'a', action: 'wait', with: { duration: '1s' } }] });
    const runs = new RunService({ client: lb.client, db: lb.store.db, taskQueue: lb.taskQueue, signer: lb.signer });
    const prepare = () => runs.prepare({ runbook, mode: 'drill' }, 'alice', { kind: 'api', by: 'alice' });
    const first = await Promise.all(Array.from({ length: 10 }, prepare));
    expect(first.map((p) => p.runbook.steps.map((s) => s.id))).toEqual(Array(10).fill(['a']));
    // A database administrator edits version 1 in place, keeping its hash.
    const versions = lb.store.db.collection<{ _id: string; definition: string }>('runbook_versions');
    const doc = await versions.findOne({ _id: `${runbook}@1` });
    const edited = { ...(JSON.parse(doc!.definition) as Record<string, unknown>), steps: [{ id: 'b', action: 'wait', with: { duration: '2s' } }] };
    await versions.updateOne({ _id: `${runbook}@1` }, { $set: { definition: JSON.stringify(edited) } });
    expect((await prepare()).runbook.steps.map((s) => s.id)).toEqual(['b']);
    // A caller that changes what it was given changes nobody else's runbook.
    (await prepare()).runbook.steps.length = 0;
    expect((await prepare()).runbook.steps.map((s) => s.id)).toEqual(['b']);
    const next = validateRunbookObject({ id: runbook, title: 'test runbook', steps: [{ id: 'c', action: 'wait', with: { duration: '1s' } }] });
    if (!next.ok) throw new Error('invalid');
    await saveRunbook(lb.store.db, next.runbook, next.hash);
    const after = await Promise.all(Array.from({ length: 10 }, prepare));
    expect(after.map((p) => [p.version, p.runbook.steps.map((s) => s.id)])).toEqual(Array(10).fill([2, ['c']]));
  });
});

describe('the rate limit during a burst', () => {
  const body = { id: 'x', title: 'X', steps: [{ id: 'a', action: 'wait', with: { duration: '1s' } }] };

  it('lets exactly the burst through when a token sends many requests at once to two API processes on one store', async () => {
    const limit = { perMinute: 1, burst: 10 }; // one window of 10 minutes
    const windowMs = (limit.burst / limit.perMinute) * 60_000;
    const a = await apiWith(lb, { rateLimit: limit }, { db: (await otherStore()).db });
    const b = await apiWith(lb, { rateLimit: limit }, { db: (await otherStore()).db });
    stops.push(a.stop, b.stop);
    // A round that happens to cross a window's end is not counted.
    for (;;) {
      const { token } = await tokenWith(lb, ['viewer']);
      const window = Math.floor(Date.now() / windowMs);
      const answers = await Promise.all(Array.from({ length: 36 }, (_, i) => bearer(i % 2 ? a.url : b.url, token).post('/runbooks/validate', body)));
      if (Math.floor(Date.now() / windowMs) !== window) continue;
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(26);
      // And the next one, to either process, is refused too.
      expect((await bearer(a.url, token).post('/runbooks/validate', body)).status).toBe(429);
      expect((await bearer(b.url, token).post('/runbooks/validate', body)).status).toBe(429);
      break;
    }
  });
});

describe('an Idempotency-Key replayed during a burst', () => {
  it('starts one run for the key among many other triggers at once', async () => {
    const runbook = await registerRunbook(lb, { id: 'burst-idem', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    const operator = await clientWith(lb, ['operator']);
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => operator.post('/runs', { runbook, mode: 'drill' }, i % 3 === 0 ? { 'idempotency-key': key } : {})));
    const keyed = answers.filter((_, i) => i % 3 === 0);
    const others = answers.filter((_, i) => i % 3 !== 0);
    expect(keyed.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(keyed.map((r) => r.body.runId)).size).toBe(1);
    expect(others.map((r) => r.status)).toEqual(Array(20).fill(201));
    const ids = new Set(answers.map((r) => r.body.runId));
    expect(ids.size).toBe(21);
    // Each answered id is a workflow Temporal accepted before the answer.
    for (const runId of ids) await expect(lb.client.workflow.getHandle(runId).describe()).resolves.toBeDefined();
  });
});

describe('Idempotency-Keys claimed together', () => {
  const record = (i: number): IdempotencyRecord => ({ requestHash: `hash-${i}`, runId: `run-${i}-${randomUUID()}`, version: 1, createdAt: new Date().toISOString() });

  it('claim each key exactly once however often it comes in one batch, one insert for the batch', async () => {
    // A fresh connection (its own batches), counting the inserts it sends.
    const store = await otherStore('monitorCommands=true');
    let inserts = 0;
    store.connection.getClient().on('commandStarted', (e) => {
      if (e.commandName === 'insert' && e.command.insert === 'idempotency') inserts++;
    });
    const a = `burst-a-${randomUUID()}`;
    const b = `burst-b-${randomUUID()}`;
    // `a` first, alone in the first insert and again in the next; `b` only in the next, five times.
    const ids = [a, b, ...Array.from({ length: 30 }, (_, i) => (i % 6 === 0 ? b : i % 6 === 3 ? a : `burst-${i}-${randomUUID()}`)), a, b];
    const records = ids.map((_, i) => record(i));
    const claims = await Promise.all(ids.map((id, i) => claimIdempotencyKey(store.db, id, records[i]!)));
    const stored = lb.store.db.collection<IdempotencyRecord & { _id: string }>('idempotency');
    for (const id of new Set(ids)) {
      const mine = claims.filter((_, i) => ids[i] === id);
      const winners = mine.filter((c) => c.claimed);
      expect(winners).toHaveLength(1);
      // Every claim of the key answers the record the store holds: the winner's.
      const { _id, ...held } = (await stored.findOne({ _id: id }))!;
      expect(held).toEqual(winners[0]!.record);
      expect(mine.map((c) => c.record)).toEqual(mine.map(() => held));
    }
    expect(claims.filter((c) => c.claimed)).toHaveLength(new Set(ids).size);
    expect(inserts).toBeLessThanOrEqual(2);
  });

  it('refuse a reused key with a different body, and start one run for the key, when both bodies come at once', async () => {
    const runbook = await registerRunbook(lb, { id: 'burst-idem-body', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    const operator = await clientWith(lb, ['operator']);
    const key = randomUUID();
    const bodies = Array.from({ length: 12 }, (_, i) => ({ runbook, mode: i % 2 ? ('drill' as const) : ('recovery' as const) }));
    const answers = await Promise.all(bodies.map((body) => operator.post('/runs', body, { 'idempotency-key': key })));
    const won = answers.findIndex((r) => r.status === 201);
    expect(won).toBeGreaterThanOrEqual(0);
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    answers.forEach((r, i) => {
      if (i === won) return;
      if (bodies[i]!.mode === bodies[won]!.mode) expect([r.status, r.body.runId]).toEqual([200, answers[won]!.body.runId]);
      else expect(r.status).toBe(409);
    });
    await expect(lb.client.workflow.getHandle(answers[won]!.body.runId).describe()).resolves.toBeDefined();
  });

  it('answer no request as started when the store fails in the middle of their insert, and each retry then starts exactly one run per key', async () => {
    const runbook = await registerRunbook(lb, { id: 'burst-idem-fault', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    const { token, subject } = await tokenWith(lb, ['operator']);
    // Another API process whose store takes the first half (rounded up) of every insert of claims, then the
    // connection drops before the answer: claims stored that their requests never hear of.
    const store = await otherStore();
    const halfThenDrop = async (docs: object[], insert: (docs: object[]) => Promise<unknown>) => {
      await insert(docs.slice(0, Math.ceil(docs.length / 2))).catch(() => undefined); // whatever the store said is lost
      throw new MongoNetworkError('connection reset by the test in the middle of an insert');
    };
    const db = withCollection(store.db, 'idempotency', (c) => ({
      insertOne: (doc: object) => halfThenDrop([doc], (docs) => c.insertOne(docs[0]!)),
      insertMany: (all: object[]) => halfThenDrop(all, (docs) => c.insertMany(docs, { ordered: false })),
    }));
    const faulty = await apiWith(lb, {}, { db });
    stops.push(faulty.stop);
    // 24 requests, 16 keys: some keys sent three times at once.
    const keys = Array.from({ length: 24 }, (_, i) => (i % 8 < 2 ? `k-${i % 8}-${runbook}` : randomUUID()));
    const send = (url: string) => Promise.all(keys.map((key) => bearer(url, token).post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key })));
    const failed = await send(faulty.url);
    expect(failed.map((r) => r.status)).toEqual(keys.map(() => 503));
    // What was stored names runs that no request started.
    const claimed = lb.store.db.collection<IdempotencyRecord & { _id: string }>('idempotency');
    const recorded = new Map<string, string>();
    for (const key of new Set(keys)) {
      const doc = await claimed.findOne({ _id: idempotencyId(subject, key) });
      if (doc) recorded.set(key, doc.runId);
    }
    expect(recorded.size).toBeGreaterThan(0);
    for (const runId of recorded.values()) await expect(lb.client.workflow.getHandle(runId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    // The retries, to a sound API: one run per key, the recorded one where a claim was stored.
    const retried = await send(lb.url);
    expect(retried.map((r) => r.status).every((s) => s === 200 || s === 201)).toBe(true);
    for (const key of new Set(keys)) {
      const runIds = new Set(retried.filter((_, i) => keys[i] === key).map((r) => r.body.runId as string));
      expect(runIds.size).toBe(1);
      const [runId] = [...runIds];
      if (recorded.has(key)) expect(runId).toBe(recorded.get(key));
      await expect(lb.client.workflow.getHandle(runId!).describe()).resolves.toBeDefined();
    }
  });
});
