import { randomUUID } from 'node:crypto';
import type { Lifeboat } from '../../servers/lifeboat';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';

let lb: Lifeboat & { adminToken: string };
let admin: ReturnType<typeof apiClient>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  admin = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
});
afterAll(async () => {
  await lb?.stop();
});

const bearer = (token: string) => apiClient(lb.url, { authorization: `Bearer ${token}` });

describe('tokens', () => {
  it('creates a token that is shown once and works with its roles', async () => {
    const name = `alice-${randomUUID().slice(0, 8)}`;
    const res = await admin.post('/tokens', { name, roles: ['viewer'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ token: expect.stringMatching(/^lb_/), name, subject: name, roles: ['viewer'] });
    const alice = bearer(res.body.token);
    expect((await alice.get('/runbooks')).status).toBe(200);
    expect((await alice.post('/runs', { runbook: 'hello-drill', mode: 'drill' })).status).toBe(403);
  });

  it('lists tokens with names, subjects and roles but never a token or hash', async () => {
    const name = `bob-${randomUUID().slice(0, 8)}`;
    const created = await admin.post('/tokens', { name, roles: ['operator', 'dba'], subject: 'bob@example.com' });
    const res = await admin.get('/tokens');
    expect(res.status).toBe(200);
    const mine = res.body.tokens.find((t: { name: string }) => t.name === name);
    expect(mine).toEqual({ name, subject: 'bob@example.com', roles: ['operator', 'dba'], createdAt: expect.any(String), createdBy: 'admin' });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(created.body.token);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });

  it('revokes a token by name: it stops working at once and leaves the list', async () => {
    const name = `carol-${randomUUID().slice(0, 8)}`;
    const { body } = await admin.post('/tokens', { name, roles: ['viewer'] });
    expect((await bearer(body.token).get('/runbooks')).status).toBe(200);
    const del = await admin.raw('DELETE', `/tokens/${name}`);
    expect(del.status).toBe(204);
    const after = await bearer(body.token).get('/runbooks');
    expect(after.status).toBe(401);
    expect(after.body.detail).toMatch(/unknown or revoked/);
    expect((await admin.get('/tokens')).body.tokens.map((t: { name: string }) => t.name)).not.toContain(name);
    expect((await admin.raw('DELETE', `/tokens/${name}`)).status).toBe(404);
  });

  it('refuses a second live token with the same name, and frees the name on revoke', async () => {
    const name = `dave-${randomUUID().slice(0, 8)}`;
    expect((await admin.post('/tokens', { name, roles: ['viewer'] })).status).toBe(201);
    const again = await admin.post('/tokens', { name, roles: ['admin'] });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain(name);
    await admin.raw('DELETE', `/tokens/${name}`);
    expect((await admin.post('/tokens', { name, roles: ['viewer'] })).status).toBe(201);
  });

  it('answers 400 listing every problem with the body', async () => {
    const res = await admin.post('/tokens', { name: '', roles: [], extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body', 'body.name', 'body.roles']);
  });

  it('lets a created admin token create tokens in turn', async () => {
    const { body } = await admin.post('/tokens', { name: `root-${randomUUID().slice(0, 8)}`, roles: ['admin'] });
    const res = await bearer(body.token).post('/tokens', { name: `eve-${randomUUID().slice(0, 8)}`, roles: ['viewer'] });
    expect(res.status).toBe(201);
  });
});
