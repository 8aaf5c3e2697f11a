import { randomUUID } from 'node:crypto';
import { requestHash } from '../../runs/idempotency';
import type { Lifeboat } from '../../servers/lifeboat';
import { claimIdempotencyKey, idempotencyId } from '../../store/idempotency';
import { SEARCH_ATTRIBUTE } from '../../contract/names';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook } from '../harness/runs';
import { clientWith, tokenWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';

let lb: Lifeboat & { adminToken: string; taskQueue: string };
let operator: ReturnType<typeof apiClient>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  operator = await clientWith(lb, ['operator']);
});
afterAll(async () => {
  await lb?.stop();
});

const waitRunbook = { id: 'idem', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] };

/** How many workflows Temporal has for the runbook, once visibility has caught up with `atLeast`. */
async function workflowsOf(runbook: string, atLeast: number): Promise<string[]> {
  const list = async () => {
    const ids: string[] = [];
    for await (const w of lb.client.workflow.list({ query: `${SEARCH_ATTRIBUTE.runbookId.name} = '${runbook}'` })) ids.push(w.workflowId);
    return ids;
  };
  return waitFor(`${atLeast} workflow(s) of ${runbook} to be visible`, list, (ids) => ids.length >= atLeast);
}

describe('POST /runs with Idempotency-Key', () => {
  it('answers a retry with the same run (200, same body) and starts one workflow', async () => {
    const runbook = await registerRunbook(lb, waitRunbook);
    const key = randomUUID();
    const first = await operator.post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const retry = await operator.post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('location')).toBe(`/runs/${first.body.runId}`);
    expect(await workflowsOf(runbook, 1)).toEqual([first.body.runId]);
  });

  it('starts one run for concurrent duplicates', async () => {
    const runbook = await registerRunbook(lb, waitRunbook);
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => operator.post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.runId)).size).toBe(1);
    expect(await workflowsOf(runbook, 1)).toEqual([answers[0]!.body.runId]);
  });

  it('answers a retry after the run finished with the same run, starting no other', async () => {
    const runbook = await registerRunbook(lb, waitRunbook);
    const key = randomUUID();
    const first = await operator.post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key });
    await lb.client.workflow.getHandle(first.body.runId).result();
    const retry = await operator.post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key });
    expect(retry.status).toBe(200);
    expect(retry.body.runId).toBe(first.body.runId);
    expect(await workflowsOf(runbook, 1)).toHaveLength(1);
  });

  it('starts the recorded run when the first request died between recording the key and starting it', async () => {
    const runbook = await registerRunbook(lb, waitRunbook);
    const key = randomUUID();
    const { subject, token } = await tokenWith(lb, ['operator']);
    const runId = `${runbook}-claimed-before-a-crash`;
    const request = { runbook, mode: 'drill' as const };
    await claimIdempotencyKey(lb.store.db, idempotencyId(subject, key), { requestHash: requestHash(request), runId, version: 1, createdAt: new Date().toISOString() });
    const retry = await apiClient(lb.url, { authorization: `Bearer ${token}` }).post('/runs', request, { 'idempotency-key': key });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ runId, runbook, version: 1 });
    expect(await workflowsOf(runbook, 1)).toEqual([runId]);
  });

  it('answers 409 when the key is reused with a different request', async () => {
    const runbook = await registerRunbook(lb, waitRunbook);
    const key = randomUUID();
    expect((await operator.post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key })).status).toBe(201);
    const other = await operator.post('/runs', { runbook, mode: 'recovery' }, { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(other.body.detail).toMatch(/Idempotency-Key/);
  });

  it('keeps keys per caller: the same key from another token starts another run', async () => {
    const runbook = await registerRunbook(lb, waitRunbook);
    const key = randomUUID();
    const other = await clientWith(lb, ['operator']);
    const a = await operator.post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key });
    const b = await other.post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.runId).not.toBe(b.body.runId);
  });

  it('starts a new run for each request without a key', async () => {
    const runbook = await registerRunbook(lb, waitRunbook);
    const a = await operator.post('/runs', { runbook, mode: 'drill' });
    const b = await operator.post('/runs', { runbook, mode: 'drill' });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.runId).not.toBe(b.body.runId);
  });

  it('answers 400 for a malformed key and claims nothing for an invalid request', async () => {
    const bad = await operator.post('/runs', { runbook: 'x', mode: 'drill' }, { 'idempotency-key': 'has spaces' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('headers.Idempotency-Key');
    const key = randomUUID();
    expect((await operator.post('/runs', { runbook: 'no-such-runbook', mode: 'drill' }, { 'idempotency-key': key })).status).toBe(404);
    const runbook = await registerRunbook(lb, waitRunbook);
    expect((await operator.post('/runs', { runbook, mode: 'drill' }, { 'idempotency-key': key })).status).toBe(201);
  });
});
