import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Lifeboat } from '../../servers/lifeboat';
import { launchBrowser, screenshot, signInHere } from '../harness/browser';
import { apiClient, type Json } from '../harness/http';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startTarget } from '../harness/runs';
import { tokenWith } from '../harness/tokens';
import { waitFor } from '../harness/wait';
import { createToken, revokeToken } from '../../store/tokens';

// The console as a person uses it, in Debian's chromium: sign-in, the runs page, a run's live page, approvals with
// four eyes, manual tasks, starting a drill from the generated form, and forged requests from another origin.

type Api = ReturnType<typeof apiClient>;
type Person = { token: string; subject: string; api: Api; context: BrowserContext; page: Page };

let lb: Lifeboat & { adminToken: string; taskQueue: string };
let browser: Browser;
let alice: Person; // operator and dba: starts the runs
let bob: Person; // viewer and dba: a second approver
let target: Awaited<ReturnType<typeof startTarget>>;
let ready = false; // what the check target answers

async function person(roles: string[], name: string): Promise<Person> {
  const { token, subject } = await tokenWith(lb, roles, `${name}-${lb.taskQueue.slice(5, 13)}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept()); // confirmations
  return { token, subject, api: apiClient(lb.url, { authorization: `Bearer ${token}` }), context, page };
}

/** Signs `p` in unless their session is still live (sign-in then sends them straight on). */
async function signedIn(p: Person): Promise<void> {
  await p.page.goto(`${lb.url}/console/signin?next=/`);
  if (new URL(p.page.url()).pathname === '/console/signin') await signInHere(p.page, p.token);
}

const TEMPORAL_UI = 'http://temporal-ui.test:8080';

beforeAll(async () => {
  lb = await startTestLifeboat({ LIFEBOAT_TEMPORAL_UI_URL: TEMPORAL_UI });
  browser = await launchBrowser();
  alice = await person(['operator', 'dba'], 'alice');
  bob = await person(['viewer', 'dba'], 'bob');
  target = await startTarget((path) => ({ status: 200, body: { ready: path === '/ready' && ready } }));
});
afterAll(async () => {
  await browser?.close();
  await target?.close();
  await lb?.stop();
});

const stepStatus = (page: Page, stepId: string) => page.locator(`tr[data-step="${stepId}"] [data-status]`);

async function startRun(definition: Record<string, unknown>, mode: 'drill' | 'recovery' = 'drill', parameters?: Record<string, unknown>): Promise<string> {
  const runbook = await registerRunbook(lb, definition);
  const res = await alice.api.post('/runs', { runbook, mode, parameters });
  expect(res.status).toBe(201);
  return res.body.runId;
}

const runState = async (runId: string): Promise<Json> => (await alice.api.get(`/runs/${runId}`)).body;

describe('sign-in', () => {
  it('sends a browser to sign-in, then shows the runs page; API clients still get JSON', async () => {
    await alice.page.goto(`${lb.url}/`);
    await alice.page.waitForURL(/\/console\/signin\?next=%2F$/);
    await screenshot(alice.page, 'signin');
    await alice.page.getByLabel('API token').fill('lb_not-a-token');
    await alice.page.getByRole('button', { name: 'Sign in' }).click();
    expect(await alice.page.getByRole('alert').textContent()).toContain('unknown or revoked');
    await signInHere(alice.page, alice.token);
    await alice.page.getByRole('heading', { name: 'Runs' }).waitFor();
    const cookies = await alice.context.cookies();
    expect(cookies.find((c) => c.name === 'lifeboat_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect((await fetch(`${lb.url}/runs/nope`, { headers: { accept: 'application/json' } })).status).toBe(401);
  });
});

describe('sessions', () => {
  it('signs out: the old cookie opens nothing any more', async () => {
    const p = await person(['viewer'], 'erin');
    await signedIn(p);
    const cookie = (await p.context.cookies()).find((c) => c.name === 'lifeboat_session')!;
    await Promise.all([p.page.waitForURL(/\/console\/signin/), p.page.getByRole('button', { name: 'Sign out' }).click()]);
    const res = await fetch(`${lb.url}/`, { headers: { accept: 'text/html', cookie: `lifeboat_session=${cookie.value}` } });
    expect(res.status).toBe(401);
    await p.context.close();
  });

  it('ends the session when the token it was opened with is revoked', async () => {
    const name = `frank-${lb.taskQueue.slice(5, 13)}`;
    const created = await createToken(lb.store.db, { name, roles: ['viewer'], createdBy: 'test' });
    const p = await person(['viewer'], 'frank-unused');
    await p.page.goto(`${lb.url}/`);
    await signInHere(p.page, created!.token);
    await p.page.getByRole('heading', { name: 'Runs' }).waitFor();
    await revokeToken(lb.store.db, name);
    await p.page.goto(`${lb.url}/`);
    await p.page.waitForURL(/\/console\/signin/);
    await p.context.close();
  });

  it('holds the same roles as the token: a viewer may not start a run', async () => {
    const p = await person(['viewer'], 'gail');
    const runbook = await registerRunbook(lb, { id: 'viewer', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    await signedIn(p);
    await p.page.goto(`${lb.url}/console/runbooks/${runbook}`);
    expect(await p.page.locator('.start').textContent()).toContain('lack the operator role');
    expect(await p.page.getByRole('button', { name: 'Start' }).count()).toBe(0);
    // Posting the form anyway is refused the same way.
    const csrf = await p.page.locator('input[name="_csrf"]').first().inputValue();
    const status = await p.page.evaluate(
      async ([csrf, runbook]) => (await fetch('/console/runs', { method: 'POST', body: new URLSearchParams({ _csrf: csrf!, runbook: runbook!, mode: 'drill' }) })).status,
      [csrf, runbook],
    );
    expect(status).toBe(403);
    await p.context.close();
  });
});

describe('starting a drill', () => {
  it('starts a drill from the form generated from the runbook parameters, refusing a bad value with the API message', async () => {
    const runbook = await registerRunbook(lb, {
      id: 'form',
      title: 'Form drill',
      owner: 'dr-team@example.com',
      tags: ['tier-1'],
      objectives: { rto: '10m' },
      parameters: {
        region: { type: 'enum', values: ['eu-west', 'us-east'], default: 'eu-west' },
        replicas: { type: 'number', required: true, description: 'how many replicas to promote' },
        ticket: { type: 'string', required: true },
        dryRun: { type: 'boolean', default: false },
      },
      steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }],
    });
    await signedIn(alice);
    await alice.page.goto(`${lb.url}/console/runbooks`);
    await alice.page.getByRole('link', { name: 'Form drill' }).click();
    await alice.page.getByLabel('region').selectOption('us-east');
    await alice.page.getByLabel('replicas').fill('two');
    await alice.page.getByLabel('ticket').fill('INC-7');
    await alice.page.getByLabel('dryRun').check();
    await screenshot(alice.page, 'runbook');
    await alice.page.getByRole('button', { name: 'Start' }).click();
    // The service's own validation answers, and the form keeps what was typed.
    expect(await alice.page.getByRole('alert').textContent()).toContain('parameters.replicas: expected a number, got "two"');
    expect(await alice.page.getByLabel('ticket').inputValue()).toBe('INC-7');
    await alice.page.getByLabel('replicas').fill('2');
    await Promise.all([alice.page.waitForURL(/\/console\/runs\/form-/), alice.page.getByRole('button', { name: 'Start' }).click()]);
    expect(await alice.page.locator('.run-header .mode-drill').innerText()).toBe('DRILL');
    const runId = decodeURIComponent(new URL(alice.page.url()).pathname.split('/').pop()!);
    const run = await runState(runId);
    expect(run).toMatchObject({ runbookId: runbook, mode: 'drill', requester: alice.subject, parameters: { region: 'us-east', replicas: 2, ticket: 'INC-7', dryRun: true } });
  });
});

describe("a run's page", () => {
  it('shows a step go from running to succeeded without reloading', async () => {
    ready = false;
    const runId = await startRun({
      id: 'live',
      steps: [{ id: 'healthy', action: 'check', timeout: '1m', with: { url: `${target.url}/ready`, every: '300ms', until: { path: 'ready', op: 'eq', value: true } } }],
    });
    await signedIn(alice);
    await alice.page.goto(`${lb.url}/runs/${runId}`);
    await alice.page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));
    await stepStatus(alice.page, 'healthy').and(alice.page.locator('[data-status="running"]')).waitFor();
    await screenshot(alice.page, 'run-running');
    ready = true;
    await stepStatus(alice.page, 'healthy').and(alice.page.locator('[data-status="succeeded"]')).waitFor({ timeout: 20_000 });
    expect(await alice.page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await alice.page.locator('.run-header [data-status="completed"]').waitFor();
    // The Gantt draws the planned and the actual bar of the step.
    expect(await alice.page.locator('.gantt .g-succeeded .g-planned').count()).toBe(1);
    expect(await alice.page.locator('.gantt .g-succeeded .g-actual').count()).toBe(1);
  });

  it('gives the requester no approve button, while a second approver approves and the run proceeds', async () => {
    const runId = await startRun({
      id: 'fours',
      steps: [
        { id: 'go', action: 'approval', with: { approvers: ['dba'], instructions: 'Check the replica lag first.' } },
        { id: 'after', needs: ['go'], action: 'wait', with: { duration: '1s' } },
      ],
    });
    await signedIn(alice);
    await alice.page.goto(`${lb.url}/runs/${runId}`);
    const aliceWait = alice.page.locator('[data-wait="approval"]');
    await aliceWait.getByText('you started this run: someone else must approve it').waitFor();
    expect(await aliceWait.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    // The API gives the requester the same answer, in its own words.
    const self = await alice.api.post(`/runs/${runId}/steps/go/approve`, {});
    expect(self.status).toBe(403);
    await screenshot(alice.page, 'run-approval-requester');

    await signedIn(bob);
    await bob.page.goto(`${lb.url}/runs/${runId}`);
    const bobWait = bob.page.locator('[data-wait="approval"]');
    await bobWait.getByLabel('Comment').fill('lag is 0, go');
    await screenshot(bob.page, 'run-approval');
    await Promise.all([bob.page.waitForURL(/done=/), bobWait.getByRole('button', { name: 'Approve' }).click()]);
    expect(await bob.page.getByRole('status').first().textContent()).toContain('approve go: accepted');

    // Alice's page, never reloaded, follows the run to its end.
    await stepStatus(alice.page, 'go').and(alice.page.locator('[data-status="succeeded"]')).waitFor({ timeout: 20_000 });
    await alice.page.locator('.run-header [data-status="completed"]').waitFor({ timeout: 20_000 });
    const { body } = await alice.api.get(`/runs/${runId}/timeline`);
    expect(body.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'approval.granted', actor: bob.subject, detail: expect.objectContaining({ comment: 'lag is 0, go' }) })]),
    );
  });

  it('completes a manual task with a note and evidence links', async () => {
    const runId = await startRun({ id: 'manual', steps: [{ id: 'vip', title: 'Move the VIP', action: 'manual', with: { instructions: 'Move the VIP to the standby.' } }] });
    await signedIn(alice);
    await alice.page.goto(`${lb.url}/runs/${runId}`);
    const wait = alice.page.locator('[data-wait="manual"]');
    expect(await wait.textContent()).toContain('Move the VIP to the standby.');
    await wait.getByLabel('Note').fill('moved at 03:12');
    await wait.getByLabel('Evidence links').fill('https://tickets.example.com/INC-1\nnot a link');
    await wait.getByRole('button', { name: 'Complete task' }).click();
    // The API's validation refuses the bad link, and names it.
    expect(await alice.page.getByRole('alert').textContent()).toContain('form.evidence.1');
    await alice.page.locator('[data-wait="manual"]').getByLabel('Note').fill('moved at 03:12');
    await alice.page.locator('[data-wait="manual"]').getByLabel('Evidence links').fill('https://tickets.example.com/INC-1');
    await Promise.all([alice.page.waitForURL(/done=/), alice.page.locator('[data-wait="manual"]').getByRole('button', { name: 'Complete task' }).click()]);
    await alice.page.locator('.run-header [data-status="completed"]').waitFor({ timeout: 20_000 });
    const { body } = await alice.api.get(`/runs/${runId}/timeline`);
    expect(body.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'manual.completed', actor: alice.subject, detail: { note: 'moved at 03:12', evidence: ['https://tickets.example.com/INC-1'] } }),
      ]),
    );
    await screenshot(alice.page, 'run-completed');
    await alice.page.setViewportSize({ width: 390, height: 844 });
    await screenshot(alice.page, 'run-phone');
    await alice.page.setViewportSize({ width: 1280, height: 900 });
  });

  it('shows a refusal from the workflow with its own message', async () => {
    const runId = await startRun({ id: 'refuse', steps: [{ id: 'go', action: 'approval', with: { approvers: ['dba'] } }] });
    await signedIn(bob);
    await bob.page.goto(`${lb.url}/runs/${runId}`);
    const wait = bob.page.locator('[data-wait="approval"]');
    await wait.waitFor();
    // Bob is typing his comment (so his page keeps the form) when someone else decides first.
    await wait.getByLabel('Comment').fill('go ahead');
    await (await person(['dba'], 'carol')).api.post(`/runs/${runId}/steps/go/reject`, { comment: 'not now' });
    await waitFor(
      `run ${runId} to end`,
      () => runState(runId),
      (run) => run.status === 'failed',
    );
    await wait.getByRole('button', { name: 'Approve' }).click();
    const refusal = await bob.page.getByRole('alert').textContent();
    expect(refusal).toContain(`run ${runId} has ended (failed); it takes no more operator actions`);
  });

  it("records a finding on a finished drill through the form, refuses a viewer's forged one, and shows a reviewer's sign-off", async () => {
    const runId = await startRun({ id: 'findings', steps: [{ id: 'go', action: 'wait', with: { duration: '1s' } }] });
    await waitFor(
      `run ${runId} to end`,
      () => runState(runId),
      (run) => run.status === 'completed',
    );
    await signedIn(alice);
    await alice.page.goto(`${lb.url}/runs/${runId}`);
    const add = alice.page.getByRole('form', { name: 'Add a finding' });
    await add.getByLabel('Title').fill('DNS TTL too long for the RTO');
    await add.getByLabel('Severity').selectOption('high');
    await add.getByLabel('Owner').fill(alice.subject);
    await add.getByLabel('Due').fill('2027-01-31');
    await Promise.all([alice.page.waitForURL(/done=/), add.getByRole('button', { name: 'Add finding' }).click()]);
    const row = alice.page.locator('tr[data-finding="F1"]');
    expect(await row.textContent()).toContain('DNS TTL too long for the RTO');
    expect(await row.textContent()).toContain(alice.subject);
    const listed = async () => (await alice.api.get(`/runs/${runId}/findings`)).body.findings as Json[];
    expect(await listed()).toEqual([
      expect.objectContaining({ id: 'F1', title: 'DNS TTL too long for the RTO', severity: 'high', due: '2027-01-31', status: 'open', createdBy: alice.subject }),
    ]);

    // A viewer is offered no form, and one posted anyway (with his own session's CSRF token) is refused by role.
    await signedIn(bob);
    await bob.page.goto(`${lb.url}/runs/${runId}`);
    await bob.page.locator('tr[data-finding="F1"]').waitFor();
    expect(await bob.page.getByRole('form', { name: 'Add a finding' }).count()).toBe(0);
    expect(await bob.page.getByRole('form', { name: 'Sign off' }).count()).toBe(0);
    const csrf = await bob.page.locator('input[name="_csrf"]').first().inputValue();
    const forged = await bob.page.evaluate(
      async ([url, token]) =>
        (await fetch(url!, { method: 'POST', body: new URLSearchParams({ _csrf: token!, title: 'forged', severity: 'low', owner: 'bob', due: '2027-01-01' }) })).status,
      [`/console/runs/${runId}/findings`, csrf],
    );
    expect(forged).toBe(403);
    expect(await listed()).toHaveLength(1);

    // A reviewer closes the action and signs the report.
    const carol = await person(['reviewer'], 'carol');
    await signedIn(carol);
    await carol.page.goto(`${lb.url}/runs/${runId}`);
    const change = carol.page.getByRole('form', { name: 'Change F1' });
    await change.getByLabel('Status of F1').selectOption('done');
    await change.getByLabel('Note').fill('TTL lowered to 60 s');
    await Promise.all([carol.page.waitForURL(/done=/), change.getByRole('button', { name: 'Change' }).click()]);
    expect(await carol.page.locator('tr[data-finding="F1"] [data-finding-status]').textContent()).toBe('done');
    const sign = carol.page.getByRole('form', { name: 'Sign off' });
    await sign.getByLabel('Comment').fill('Drill met its criteria.');
    await Promise.all([carol.page.waitForURL(/done=/), sign.getByRole('button', { name: 'Sign off' }).click()]);
    const signature = await carol.page.locator('.signature').textContent();
    const { body: signed } = await carol.api.get(`/runs/${runId}/signoff`);
    expect(signed).toEqual(expect.objectContaining({ reviewer: carol.subject, comment: 'Drill met its criteria.', changedAfterSignOff: false }));
    expect(signature).toContain(carol.subject);
    expect(signature).toContain('Drill met its criteria.');
    expect(signature).toContain(signed.contentHash);
    expect(await carol.page.getByRole('form', { name: 'Sign off' }).count()).toBe(0);
    await screenshot(carol.page, 'run-findings');
    await carol.context.close();
  });
});

describe('forged requests', () => {
  let evil: http.Server;
  let evilUrl: string;
  let pageHtml = '';
  beforeAll(async () => {
    evil = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml));
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', () => resolve()));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => evil.close(() => resolve())));

  async function forge(runId: string, fields: Record<string, string>): Promise<string> {
    const inputs = Object.entries(fields)
      .map(([k, v]) => `<input name="${k}" value="${v}">`)
      .join('');
    pageHtml = `<!doctype html><form method="post" action="${lb.url}/console/runs/${runId}/abort">${inputs}<button>win a prize</button></form>`;
    await alice.page.goto(evilUrl);
    await Promise.all([alice.page.waitForURL((u) => u.href.startsWith(lb.url)), alice.page.getByRole('button', { name: 'win a prize' }).click()]);
    return (await alice.page.getByRole('alert').textContent()) ?? '';
  }

  it('refuses a form posted from another origin, even with the session cookie and its CSRF token', async () => {
    const runId = await startRun({ id: 'csrf', steps: [{ id: 'go', action: 'approval', with: { approvers: ['dba'] } }] });
    await signedIn(alice);
    await alice.page.goto(`${lb.url}/runs/${runId}`);
    const csrf = await alice.page.locator('input[name="_csrf"]').first().inputValue();
    // 127.0.0.1 on another port is the same site, so the SameSite=Strict cookie goes along: the Origin check refuses.
    expect(await forge(runId, { reason: 'pwned', _csrf: csrf })).toContain(`not from the console at ${new URL(lb.url).host}`);
    expect(await forge(runId, { reason: 'pwned' })).toContain('Refused');
    expect((await runState(runId)).state.status).toBe('running');
    await alice.api.post(`/runs/${runId}/abort`, { reason: 'test cleanup' });
  });

  it('refuses a same-origin post without the session CSRF token', async () => {
    const runId = await startRun({ id: 'csrf2', steps: [{ id: 'go', action: 'approval', with: { approvers: ['dba'] } }] });
    await signedIn(alice);
    await alice.page.goto(`${lb.url}/runs/${runId}`);
    const status = await alice.page.evaluate(
      async (url) => (await fetch(url, { method: 'POST', body: new URLSearchParams({ reason: 'x' }) })).status,
      `/console/runs/${runId}/pause`,
    );
    expect(status).toBe(403);
    expect((await runState(runId)).state.status).toBe('running');
    await alice.api.post(`/runs/${runId}/abort`, { reason: 'test cleanup' });
  });
});

describe('notification links', () => {
  it("opens the run's page after sign-in, while the same URL answers JSON to API clients", async () => {
    const runId = await startRun({ id: 'link', steps: [{ id: 'go', action: 'approval', with: { approvers: ['dba'] } }] });
    const fresh = await person(['viewer'], 'dana');
    await fresh.page.goto(`${lb.url}/runs/${runId}`);
    await signInHere(fresh.page, fresh.token);
    expect(new URL(fresh.page.url()).pathname).toBe(`/runs/${runId}`);
    await fresh.page.locator('[data-wait="approval"]').waitFor();
    // A viewer holds no approver role: no buttons, and the reason.
    expect(await fresh.page.locator('[data-wait="approval"]').textContent()).toContain('only holders of dba may decide this step');
    // …and a link to the run's workflow in Temporal's own UI.
    expect(await fresh.page.getByRole('link', { name: 'Temporal UI' }).getAttribute('href')).toMatch(new RegExp(`^${TEMPORAL_UI}/namespaces/[^/]+/workflows/${runId}$`));
    const json = await fresh.api.get(`/runs/${runId}`);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(json.body.runId).toBe(runId);
    await alice.page.goto(`${lb.url}/`);
    await alice.page.locator(`tr[data-run="${runId}"]`).waitFor();
    await screenshot(alice.page, 'runs');
    await fresh.context.close();
    await alice.api.post(`/runs/${runId}/abort`, { reason: 'test cleanup' });
  });
});

describe("a runbook's page", () => {
  it('shows the plan with its RTO line, the recovery time of past drills, and a diff between two versions', async () => {
    const admin = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
    const id = `history-${lb.taskQueue.slice(5, 13)}`;
    const yaml = (wait: string) =>
      [`id: ${id}`, 'title: Version history', 'objectives:', '  rto: 10m', 'steps:', '  - id: pause', '    action: wait', '    with:', `      duration: ${wait}`, ''].join('\n');
    expect((await admin.raw('POST', '/runbooks', yaml('1s'), { 'content-type': 'application/yaml' })).status).toBe(201);
    const drill = await alice.api.post('/runs', { runbook: id, mode: 'drill' });
    await waitFor(
      'the drill to complete',
      () => runState(drill.body.runId),
      (r) => r.status === 'completed',
      60_000,
    );
    expect((await admin.raw('POST', '/runbooks', yaml('2s'), { 'content-type': 'application/yaml' })).status).toBe(201);

    await signedIn(bob);
    await bob.page.goto(`${lb.url}/console/runbooks/${id}`);
    await bob.page.getByRole('heading', { name: 'Recovery plan' }).waitFor();
    expect(await bob.page.locator('figure.gantt').textContent()).toContain('RTO 10 min');
    // The drill that ran on v1 is in the trend, its verdict in words.
    const trend = bob.page.locator('figure.trend');
    expect(await trend.locator('a').count()).toBe(1);
    expect(await trend.textContent()).toContain('✔ met');
    const versions = bob.page.locator('table.versions tbody tr');
    expect(await versions.count()).toBe(2);
    await screenshot(bob.page, 'runbook-history');
    await Promise.all([bob.page.waitForURL(/\/diff\?from=1&to=2$/), bob.page.getByRole('link', { name: 'diff with v1' }).click()]);
    await bob.page.getByRole('heading', { name: `${id}: v1 → v2` }).waitFor();
    expect(await bob.page.locator('tr.d-removed').textContent()).toContain('duration: 1s');
    expect(await bob.page.locator('tr.d-added').textContent()).toContain('duration: 2s');
    await screenshot(bob.page, 'runbook-diff');
  });
});

describe('scheduled drills', () => {
  it('lists a schedule with its next drills; an admin pauses it and starts a drill now, a viewer is told why they cannot', async () => {
    const admin = apiClient(lb.url, { authorization: `Bearer ${lb.adminToken}` });
    const runbook = await registerRunbook(lb, { id: 'scheduled', steps: [{ id: 'pause', action: 'wait', with: { duration: '1s' } }] });
    const id = `nightly-${lb.taskQueue.slice(5, 13)}`;
    expect((await admin.post('/schedules', { id, runbook, every: '24h' })).status).toBe(201);
    try {
      const ops = await person(['admin'], 'olga');
      await signedIn(ops);
      await ops.page.goto(`${lb.url}/console/schedules`);
      const row = ops.page.locator(`tr[data-schedule="${id}"]`);
      expect(await row.locator('time').count()).toBeGreaterThan(0); // next drill times
      await screenshot(ops.page, 'schedules');
      await row.getByPlaceholder('note (optional)').fill('change freeze');
      await row.getByRole('button', { name: 'Pause' }).click();
      await ops.page
        .getByRole('status')
        .filter({ hasText: `${id}: paused` })
        .waitFor();
      expect(await ops.page.locator(`tr[data-schedule="${id}"]`).textContent()).toContain('change freeze');
      expect((await admin.get(`/schedules/${id}`)).body.paused).toBe(true);
      await ops.page.locator(`tr[data-schedule="${id}"]`).getByRole('button', { name: 'Start a drill now' }).click();
      await ops.page.getByRole('status').filter({ hasText: 'is starting' }).waitFor();
      // Temporal starts the drill asynchronously; the page shows it among the recent drills once it has.
      await waitFor(
        'the triggered drill on the schedules page',
        async () => {
          await ops.page.goto(`${lb.url}/console/schedules`);
          return ops.page.locator(`tr[data-schedule="${id}"] td[data-label="Recent drills"] a`).count();
        },
        (n) => n > 0,
        60_000,
      );
      await ops.context.close();

      await signedIn(bob);
      await bob.page.goto(`${lb.url}/console/schedules`);
      await bob.page.locator(`tr[data-schedule="${id}"]`).waitFor();
      expect(await bob.page.getByRole('note').textContent()).toContain('lack the admin role');
      expect(await bob.page.getByRole('button', { name: 'Resume' }).count()).toBe(0);
      const csrf = await bob.page.locator('input[name="_csrf"]').first().inputValue();
      const status = await bob.page.evaluate(
        async ([csrf, id]) => (await fetch(`/console/schedules/${id}/resume`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf! }) })).status,
        [csrf, id],
      );
      expect(status).toBe(403);
      expect((await admin.get(`/schedules/${id}`)).body.paused).toBe(true);
    } finally {
      await admin.raw('DELETE', `/schedules/${id}`);
    }
  });
});
