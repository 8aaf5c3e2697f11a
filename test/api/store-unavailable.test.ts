// An API whose store stops answering says so: 503 problem+json naming the store, not a bare 500, and without the
// driver's text (hosts and ports) in the answer. The store here is a connection of the API's own that is closed
// under it, which the driver reports as it reports a store it cannot reach.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../api/app';
import { RunService } from '../../runs/service';
import { connectStore, type Store } from '../../store/connection';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let store: Store;
let server: Server;
let api: ReturnType<typeof apiClient>;
let url: string;

beforeAll(async () => {
  lb = await startTestLifeboat();
  store = await connectStore(process.env.MONGODB_URI!);
  const runs = new RunService({ client: lb.client, db: store.db, taskQueue: `no-worker-${randomUUID()}`, signer: lb.signer });
  const app = createApp({ client: lb.client, db: store.db, namespace: 'default', runs, adminToken: lb.adminToken });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api = apiClient(url, { authorization: `Bearer ${lb.adminToken}` });
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await lb?.stop();
});

describe('an API whose store stops answering', () => {
  it('answers reads and writes 503 store-unavailable as problem+json, naming no host', async () => {
    expect((await api.get('/runs')).status).toBe(200);
    expect((await api.get('/readyz')).body).toEqual({ status: 'up', temporal: { status: 'up' }, mongodb: { status: 'up' } });
    await store.close();
    for (const res of [await api.get('/runs'), await api.get('/runbooks'), await api.post('/runs', { runbook: 'hello-drill', mode: 'drill' })]) {
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'urn:lifeboat:problem:store-unavailable', status: 503 });
      expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|localhost|Mongo[A-Za-z]*Error|Client must be connected/);
    }
  });

  it('is still live but no longer ready: /livez 200, /readyz 503 naming MongoDB, and /health keeps its answer', async () => {
    await store.close(); // the test before closed it too when both run; a second close changes nothing
    const live = await apiClient(url).get('/livez'); // no token: probes are public
    expect([live.status, live.body]).toEqual([200, { status: 'up' }]);
    const ready = await apiClient(url).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'down', temporal: { status: 'up' }, mongodb: { status: 'down', error: expect.stringMatching(/^MongoDB /) } });
    expect(JSON.stringify(ready.body)).not.toMatch(/127\.0\.0\.1|localhost|Mongo[A-Za-z]*Error/);
    const health = await apiClient(url).get('/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'down', mongodb: { status: 'down' } });
  });
});
