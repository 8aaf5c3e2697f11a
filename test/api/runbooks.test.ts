import { randomUUID } from 'node:crypto';
import type { Lifeboat } from '../../servers/lifeboat';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { clientWith } from '../harness/tokens';

let lb: Lifeboat & { adminToken: string };
let author: ReturnType<typeof apiClient>;
let viewer: ReturnType<typeof apiClient>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  author = await clientWith(lb, ['author']);
  viewer = await clientWith(lb, ['viewer']);
});
afterAll(async () => {
  await lb?.stop();
});

const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

function yamlRunbook(id: string, wait = '2s'): string {
  return [
    `id: ${id}`,
    'title: Upload test',
    'objectives:',
    '  rto: 10m',
    'steps:',
    '  - id: pause',
    '    action: wait',
    '    with:',
    `      duration: ${wait}`,
    '  - id: check',
    '    needs: [pause]',
    '    action: http',
    '    expected: 30s',
    '    with:',
    '      url: http://localhost:9/health',
    '',
  ].join('\n');
}

const yaml = { 'content-type': 'application/yaml' };

describe('POST /runbooks', () => {
  it('stores a YAML runbook as version 1 and answers 201 with id, version, hash and created', async () => {
    const id = uniqueId('upload');
    const res = await author.raw('POST', '/runbooks', yamlRunbook(id), yaml);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id, version: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/), created: true });
    expect(res.headers.get('location')).toBe(`/runbooks/${id}?version=1`);
  });

  it('answers 200 with the same version when the content is unchanged', async () => {
    const id = uniqueId('same');
    const first = await author.raw('POST', '/runbooks', yamlRunbook(id), yaml);
    const again = await author.raw('POST', '/runbooks', `# a comment changes nothing\n${yamlRunbook(id)}`, { 'content-type': 'text/yaml' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id, version: 1, hash: first.body.hash, created: false });
  });

  it('stores changed content as the next version', async () => {
    const id = uniqueId('next');
    await author.raw('POST', '/runbooks', yamlRunbook(id), yaml);
    const res = await author.raw('POST', '/runbooks', yamlRunbook(id, '3s'), yaml);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id, version: 2, created: true });
  });

  it('accepts a JSON runbook', async () => {
    const id = uniqueId('json');
    const res = await author.post('/runbooks', { id, title: 'JSON', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id, version: 1 });
  });

  it('answers 400 problem+json listing every issue with its path and line', async () => {
    const text = [
      'id: Bad_Id',
      'title: Broken',
      'steps:',
      '  - id: a',
      '    action: wait',
      '    with:',
      '      duration: soon',
      '  - id: b',
      '    needs: [nope]',
      '    action: wait',
      '    with: { duration: 1s }',
      '',
    ].join('\n');
    const res = await author.raw('POST', '/runbooks', text, yaml);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const issues: Array<{ path: string; line?: number; message: string }> = res.body.issues;
    expect(issues.map((i) => [i.path, i.line])).toEqual(
      expect.arrayContaining([
        ['id', 1],
        ['steps[0].with.duration', 7],
        ['steps[1].needs[0]', 9],
      ]),
    );
    expect(issues.every((i) => i.message.length > 0)).toBe(true);
  });

  it('reports lines for JSON too, and duplicate keys', async () => {
    const text = '{\n  "id": "dup",\n  "id": "dup",\n  "title": "x",\n  "steps": []\n}';
    const res = await author.raw('POST', '/runbooks', text, { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.issues[0]).toMatchObject({ line: 3, message: expect.stringContaining('duplicate key') });
  });

  it('answers 400 for an empty body', async () => {
    const res = await author.raw('POST', '/runbooks', '', yaml);
    expect(res.status).toBe(400);
    expect(res.body.issues[0].message).toMatch(/empty/);
  });

  it('answers 415 for a body that is neither YAML nor JSON', async () => {
    const res = await author.raw('POST', '/runbooks', 'id: x', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 413 for a YAML body over 1 MiB', async () => {
    const res = await author.raw('POST', '/runbooks', `# ${'x'.repeat(1024 * 1024)}\n${yamlRunbook(uniqueId('big'))}`, yaml);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.detail).toMatch(/1048576 byte limit/);
  });

  it('keeps other routes JSON-only: YAML to POST /runs is 415', async () => {
    const operator = await clientWith(lb, ['operator']);
    const res = await operator.raw('POST', '/runs', 'runbook: x\nmode: drill\n', yaml);
    expect(res.status).toBe(415);
  });
});

describe('POST /runbooks/validate', () => {
  it('answers ok with warnings for a valid runbook and stores nothing', async () => {
    const id = uniqueId('dry');
    const res = await viewer.raw('POST', '/runbooks/validate', yamlRunbook(id), yaml);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, id, errors: [] });
    expect(Array.isArray(res.body.warnings)).toBe(true);
    expect((await viewer.get(`/runbooks/${id}`)).status).toBe(404);
  });

  it('answers 200 with ok false and every error for an invalid runbook', async () => {
    const res = await viewer.raw('POST', '/runbooks/validate', 'id: x\ntitle: t\nsteps:\n  - id: a\n    action: teleport\n', yaml);
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.errors[0]).toMatchObject({ path: 'steps[0].action', line: 5 });
  });
});

describe('reading runbooks', () => {
  let id: string;
  beforeAll(async () => {
    id = uniqueId('read');
    await author.raw('POST', '/runbooks', yamlRunbook(id), yaml);
    await author.raw('POST', '/runbooks', yamlRunbook(id, '5s'), yaml);
  });

  it('lists runbooks with their latest version', async () => {
    const res = await viewer.get('/runbooks');
    expect(res.status).toBe(200);
    expect(res.body.runbooks).toEqual(expect.arrayContaining([expect.objectContaining({ id, latest: 2, title: 'Upload test' })]));
  });

  it('answers the latest version with its plan in both modes', async () => {
    const res = await viewer.get(`/runbooks/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, version: 2, latest: 2, runbook: { id } });
    expect(res.body.runbook.steps[0].with.duration).toBe('5s');
    expect(res.body.plan.recovery).toMatchObject({ mode: 'recovery', predictedMs: 35_000, rtoMs: 600_000, meetsRto: true, criticalPath: ['pause', 'check'] });
    expect(res.body.plan.drill.mode).toBe('drill');
  });

  it('answers a given version with ?version=N', async () => {
    const res = await viewer.get(`/runbooks/${id}?version=1`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 1, latest: 2 });
    expect(res.body.runbook.steps[0].with.duration).toBe('2s');
  });

  it('answers 404 for an unknown runbook or version', async () => {
    expect((await viewer.get('/runbooks/no-such-runbook')).status).toBe(404);
    const res = await viewer.get(`/runbooks/${id}?version=9`);
    expect(res.status).toBe(404);
    expect(res.body.detail).toContain('no version 9');
  });

  it('answers 400 for a malformed version', async () => {
    const res = await viewer.get(`/runbooks/${id}?version=two`);
    expect(res.status).toBe(400);
    expect(res.body.issues[0].path).toBe('query.version');
  });

  it('plans a version in drill and recovery mode', async () => {
    const recovery = await viewer.get(`/runbooks/${id}/plan?mode=recovery`);
    expect(recovery.status).toBe(200);
    expect(recovery.body).toMatchObject({ id, version: 2, mode: 'recovery', stages: [['pause'], ['check']], predictedMs: 35_000 });
    const drill = await viewer.get(`/runbooks/${id}/plan?mode=drill&version=1`);
    expect(drill.body).toMatchObject({ version: 1, mode: 'drill', predictedMs: 32_000 });
  });

  it('answers 400 for an unknown plan mode', async () => {
    const res = await viewer.get(`/runbooks/${id}/plan?mode=panic`);
    expect(res.status).toBe(400);
    expect(res.body.issues[0].path).toBe('query.mode');
  });
});

describe('GET /runbooks/:id/versions and /runbooks/:id/diff', () => {
  let id: string;
  beforeAll(async () => {
    id = uniqueId('history');
    await author.raw('POST', '/runbooks', yamlRunbook(id), yaml);
    await author.raw('POST', '/runbooks', `# v2 waits longer\n${yamlRunbook(id, '5s')}`, yaml);
    await author.raw('POST', '/runbooks', yamlRunbook(id, '9s'), yaml);
  });

  it('lists every version newest first with its hash and uploader', async () => {
    const res = await viewer.get(`/runbooks/${id}/versions`);
    expect(res.status).toBe(200);
    expect(res.body.latest).toBe(3);
    expect(res.body.versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(res.body.versions[0]).toMatchObject({ title: 'Upload test', hash: expect.stringMatching(/^[0-9a-f]{64}$/), uploadedBy: expect.any(String) });
  });

  it('diffs the latest version against the one before it, in the text each was uploaded as', async () => {
    const res = await viewer.get(`/runbooks/${id}/diff`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, from: 2, to: 3, added: 1, removed: 2 });
    const changed = res.body.lines.filter((l: { op: string }) => l.op !== 'same');
    expect(changed).toEqual([
      { op: 'removed', text: '# v2 waits longer', from: 1 },
      { op: 'removed', text: '      duration: 5s', from: 10 },
      { op: 'added', text: '      duration: 9s', to: 9 },
    ]);
  });

  it('diffs two given versions', async () => {
    const res = await viewer.get(`/runbooks/${id}/diff?from=1&to=3`);
    expect(res.body).toMatchObject({ from: 1, to: 3, added: 1, removed: 1 });
  });

  it('answers 404 naming a version that does not exist, and 400 for a malformed one', async () => {
    const missing = await viewer.get(`/runbooks/${id}/diff?from=1&to=7`);
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('no version 7');
    const bad = await viewer.get(`/runbooks/${id}/diff?from=first`);
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('query.from');
    expect((await viewer.get('/runbooks/no-such-runbook/versions')).status).toBe(404);
  });
});
