import { randomUUID } from 'node:crypto';
import type { Lifeboat } from '../../servers/lifeboat';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook } from '../harness/runs';
import { tokenWith } from '../harness/tokens';

// The route × role matrix: every route, called with no token and with a token of each role. A caller the route
// does not admit gets 401 (no token) or 403 (wrong role); an admitted caller gets anything else, e.g. 404 for the
// made-up run ids below: authorisation is decided before the request is looked at. A route added to the API needs
// a row here: the last tests compare this table with the OpenAPI document.

type Who = 'none' | 'dba' | 'viewer' | 'operator' | 'author' | 'reviewer' | 'admin';
const WHO: Who[] = ['none', 'dba', 'viewer', 'operator', 'author', 'reviewer', 'admin'];
type Access = 'public' | 'authenticated' | 'viewer' | 'operator' | 'author' | 'reviewer' | 'operator|reviewer' | 'admin';

// Who each access level admits (admin holds every role; operator and author include viewer; dba is a runbook
// approver role only).
const ADMITS: Record<Access, Who[]> = {
  public: WHO,
  authenticated: ['dba', 'viewer', 'operator', 'author', 'reviewer', 'admin'],
  viewer: ['viewer', 'operator', 'author', 'reviewer', 'admin'],
  operator: ['operator', 'admin'],
  author: ['author', 'admin'],
  reviewer: ['reviewer', 'admin'],
  'operator|reviewer': ['operator', 'reviewer', 'admin'],
  admin: ['admin'],
};

let lb: Lifeboat & { adminToken: string; taskQueue: string };
let runbook: string;
const tokens = {} as Record<Who, string | undefined>;

const run = 'no-such-run';
const schedule = 'no-such-schedule';
const yaml = () => `id: matrix-${randomUUID().slice(0, 8)}\ntitle: Matrix\nsteps:\n  - id: pause\n    action: wait\n    with: { duration: 1s }\n`;

interface Row {
  method: string;
  path: string;
  access: Access;
  body?: () => unknown;
  type?: string;
}
const ROUTES: Row[] = [
  { method: 'GET', path: '/health', access: 'public' },
  { method: 'GET', path: '/livez', access: 'public' },
  { method: 'GET', path: '/readyz', access: 'public' },
  { method: 'GET', path: '/openapi.json', access: 'public' },
  { method: 'GET', path: '/docs', access: 'public' },
  { method: 'GET', path: '/schema/runbook.json', access: 'public' },
  { method: 'GET', path: '/metrics', access: 'viewer' },
  { method: 'GET', path: '/programme', access: 'viewer' },
  { method: 'GET', path: '/runs', access: 'viewer' },
  { method: 'POST', path: '/runs', access: 'operator', body: () => ({ runbook, mode: 'drill' }) },
  { method: 'GET', path: `/runs/${run}`, access: 'viewer' },
  { method: 'GET', path: `/runs/${run}/timeline`, access: 'viewer' },
  { method: 'GET', path: `/runs/${run}/verify`, access: 'viewer' },
  { method: 'GET', path: `/runs/${run}/events`, access: 'viewer' },
  { method: 'GET', path: `/runs/${run}/report`, access: 'viewer' },
  { method: 'GET', path: `/runs/${run}/evidence`, access: 'viewer' },
  { method: 'GET', path: `/runs/${run}/findings`, access: 'viewer' },
  { method: 'POST', path: `/runs/${run}/findings`, access: 'operator|reviewer', body: () => ({ title: 't', severity: 'low', owner: 'o', due: '2027-01-01' }) },
  { method: 'GET', path: `/runs/${run}/findings/F1`, access: 'viewer' },
  { method: 'PATCH', path: `/runs/${run}/findings/F1`, access: 'operator|reviewer', body: () => ({ status: 'done' }) },
  { method: 'POST', path: `/runs/${run}/signoff`, access: 'reviewer', body: () => ({ comment: 'ok' }) },
  { method: 'GET', path: `/runs/${run}/signoff`, access: 'viewer' },
  { method: 'POST', path: `/runs/${run}/steps/approve/approve`, access: 'authenticated', body: () => ({}) },
  { method: 'POST', path: `/runs/${run}/steps/approve/reject`, access: 'authenticated', body: () => ({ comment: 'no' }) },
  { method: 'POST', path: `/runs/${run}/steps/task/complete`, access: 'operator', body: () => ({ outcome: 'done' }) },
  { method: 'POST', path: `/runs/${run}/steps/task/skip`, access: 'operator', body: () => ({ reason: 'not needed' }) },
  { method: 'POST', path: `/runs/${run}/steps/task/retry`, access: 'operator', body: () => ({}) },
  { method: 'POST', path: `/runs/${run}/steps/task/decide`, access: 'operator', body: () => ({ decision: 'abort' }) },
  { method: 'POST', path: `/runs/${run}/pause`, access: 'operator', body: () => ({}) },
  { method: 'POST', path: `/runs/${run}/resume`, access: 'operator', body: () => ({}) },
  { method: 'POST', path: `/runs/${run}/abort`, access: 'operator', body: () => ({ reason: 'test' }) },
  { method: 'GET', path: '/runbooks', access: 'viewer' },
  { method: 'POST', path: '/runbooks', access: 'author', body: yaml, type: 'application/yaml' },
  { method: 'POST', path: '/runbooks/validate', access: 'viewer', body: yaml, type: 'application/yaml' },
  { method: 'GET', path: '/runbooks/hello-drill', access: 'viewer' },
  { method: 'GET', path: '/runbooks/hello-drill/plan?mode=drill', access: 'viewer' },
  { method: 'GET', path: '/runbooks/hello-drill/versions', access: 'viewer' },
  { method: 'GET', path: '/runbooks/hello-drill/diff', access: 'viewer' },
  { method: 'POST', path: '/runbooks/hello-drill/versions/1/review', access: 'author' },
  { method: 'POST', path: '/tokens', access: 'admin', body: () => ({ name: `m-${randomUUID().slice(0, 8)}`, roles: ['viewer'] }) },
  { method: 'GET', path: '/tokens', access: 'admin' },
  { method: 'DELETE', path: '/tokens/no-such-token', access: 'admin' },
  { method: 'POST', path: '/schedules', access: 'admin', body: () => ({}) },
  { method: 'GET', path: '/schedules', access: 'viewer' },
  { method: 'GET', path: `/schedules/${schedule}`, access: 'viewer' },
  { method: 'POST', path: `/schedules/${schedule}/pause`, access: 'admin', body: () => ({}) },
  { method: 'POST', path: `/schedules/${schedule}/resume`, access: 'admin', body: () => ({}) },
  { method: 'POST', path: `/schedules/${schedule}/trigger`, access: 'admin', body: () => ({}) },
  { method: 'DELETE', path: `/schedules/${schedule}`, access: 'admin' },
];

beforeAll(async () => {
  lb = await startTestLifeboat();
  runbook = await registerRunbook(lb, { id: 'matrix', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
  tokens.none = undefined;
  tokens.admin = lb.adminToken;
  for (const who of ['dba', 'viewer', 'operator', 'author', 'reviewer'] as const) tokens[who] = (await tokenWith(lb, [who])).token;
});
afterAll(async () => {
  await lb?.stop();
});

const cases = ROUTES.flatMap((r) => WHO.map((who) => [`${r.method} ${r.path}`, who, r] as const));

describe('route × role matrix', () => {
  it.each(cases)('%s as %s', async (_name, who, row) => {
    const token = tokens[who];
    const body = row.body?.();
    const res = await apiClient(lb.url, token ? { authorization: `Bearer ${token}` } : {}).raw(row.method, row.path, body, row.type ? { 'content-type': row.type } : {});
    if (ADMITS[row.access].includes(who)) {
      expect([401, 403]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
    } else {
      expect(res.status).toBe(who === 'none' ? 401 : 403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('covers every operation the API documents, with the access it documents', async () => {
    const doc: Json = (await apiClient(lb.url).get('/openapi.json')).body;
    const documented = Object.entries<Record<string, Json>>(doc.paths)
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${path} ${op['x-lifeboat-access']}`))
      .sort();
    const template = (path: string) =>
      path
        .replace(/\?.*$/, '')
        .replace(`/runs/${run}/steps/approve/`, '/runs/{id}/steps/{stepId}/')
        .replace(`/runs/${run}/steps/task/`, '/runs/{id}/steps/{stepId}/')
        .replace(`/runs/${run}/findings/F1`, '/runs/{id}/findings/{fid}')
        .replace(`/runs/${run}`, '/runs/{id}')
        .replace('/runbooks/hello-drill/versions/1', '/runbooks/{id}/versions/{version}')
        .replace('/runbooks/hello-drill', '/runbooks/{id}')
        .replace('/tokens/no-such-token', '/tokens/{name}')
        .replace(`/schedules/${schedule}`, '/schedules/{id}');
    expect(ROUTES.map((r) => `${r.method} ${template(r.path)} ${r.access}`).sort()).toEqual(documented);
  });

  it('answers 401 for an unknown token', async () => {
    const res = await apiClient(lb.url, { authorization: 'Bearer lb_not-a-real-token' }).get('/runs');
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/unknown or revoked/);
  });
});
