import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/io';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startTarget } from '../harness/runs';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let admin: Record<string, string>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  admin = { LIFEBOAT_URL: lb.url, LIFEBOAT_TOKEN: lb.adminToken, HOME: mkdtempSync(path.join(tmpdir(), 'lifeboat-home-')) };
});
afterAll(async () => {
  await lb?.stop();
});

const QUICK_RECONNECT = { firstMs: 20, maxMs: 100, attempts: 5 };

/** `lifeboat …` in-process in `cwd`; `out` grows while the command runs. */
function lifeboat(env: Record<string, string>, args: string[], o: { cwd?: string; fetch?: typeof fetch } = {}) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env,
    cwd: o.cwd ?? mkdtempSync(path.join(tmpdir(), 'lifeboat-cli-')),
    fetch: o.fetch,
    reconnect: QUICK_RECONNECT,
  };
  const done = main(args, io);
  return { out, done, result: async () => ({ code: await done, ...out }) };
}
const run = (env: Record<string, string>, ...args: string[]) => lifeboat(env, args).result();

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-runbooks-'));
  for (const [name, text] of Object.entries(entries)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The address of a port nothing listens on (just freed). */
async function deadUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const noStackTrace = (text: string) => expect(text.split('\n').filter((l) => /^\s+at /.test(l) || l.includes('Error:'))).toEqual([]);

describe('lifeboat runbook push, list and show', () => {
  it('uploads files, prints each version and its warnings, and every problem of an invalid one with its line', async () => {
    const id = `cli-push-${randomUUID().slice(0, 8)}`;
    const dir = files({
      'good.yaml': `id: ${id}\ntitle: Pushed\nobjectives: { rto: 1h }\nsteps:\n  - { id: a, action: wait, with: { duration: 1s } }\n`,
      'bad.yaml': `id: ${id}-bad\ntitle: Bad\nsteps:\n  - id: a\n    action: wait\n    with: { duration: 1s }\n    needs: [nope]\n`,
      'good.json': JSON.stringify({ id: `${id}-json`, title: 'JSON', steps: [{ id: 'a', action: 'wait', with: { duration: '1s' } }] }),
    });
    const first = await lifeboat(admin, ['runbook', 'push', 'good.yaml', 'bad.yaml', 'good.json'], { cwd: dir }).result();
    expect(first.code).toBe(1);
    expect(first.stdout).toBe(`good.yaml: ${id} stored as version 1\ngood.json: ${id}-json stored as version 1\n`);
    expect(first.stderr).toBe(
      [
        'good.yaml:3 objectives.rto: warning: the RTO is measured to the end of the whole run; set recovery.endsAt to the step that restores service',
        "bad.yaml:7 steps[0].needs[0]: unknown step 'nope'; needs must name steps of this runbook",
        '1 of 3 files were not uploaded',
        '',
      ].join('\n'),
    );

    const again = await lifeboat(admin, ['runbook', 'push', 'good.yaml', '--json'], { cwd: dir }).result();
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([expect.objectContaining({ file: 'good.yaml', ok: true, id, version: 1, created: false })]);

    writeFileSync(
      path.join(dir, 'good.yaml'),
      `id: ${id}\ntitle: Pushed again\nobjectives: { rto: 1h }\nrecovery: { endsAt: a }\nsteps:\n  - { id: a, action: wait, with: { duration: 2s } }\n`,
    );
    expect(await lifeboat(admin, ['runbook', 'push', 'good.yaml'], { cwd: dir }).result()).toMatchObject({ code: 0, stdout: `good.yaml: ${id} stored as version 2\n`, stderr: '' });

    const list = await run(admin, 'runbook', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${id} +v2 +\\S+ +Pushed again$`, 'm'));
    expect(JSON.parse((await run(admin, 'runbook', 'list', '--json')).stdout)).toContainEqual(expect.objectContaining({ id, latest: 2 }));

    const show = await run(admin, 'runbook', 'show', id);
    expect(show.code).toBe(0);
    expect(show.stdout.split('\n')[0]).toBe(`${id} v2 (latest) — Pushed again`);
    expect(show.stdout).toContain('stored ');
    expect(show.stdout).toContain('predicted recovery: 2s of an RTO of 1h (met) in recovery mode');
    expect(show.stdout).toMatch(/^a +wait$/m);
    const v1 = await run(admin, 'runbook', 'show', id, '--version', '1', '--json');
    expect(JSON.parse(v1.stdout)).toMatchObject({ id, version: 1, latest: 2, title: 'Pushed' });
    expect(await run(admin, 'runbook', 'show', id, '--version', '9')).toMatchObject({ code: 1, stderr: expect.stringContaining('404') });
  });

  it('needs the author role to push', async () => {
    const viewer = await run(admin, 'token', 'create', '--name', `viewer-${randomUUID().slice(0, 8)}`, '--roles', 'viewer');
    const env = { ...admin, LIFEBOAT_TOKEN: viewer.stdout.trim() };
    const dir = files({ 'r.yaml': 'id: cli-viewer\ntitle: T\nsteps:\n  - { id: a, action: wait, with: { duration: 1s } }\n' });
    const pushed = await lifeboat(env, ['runbook', 'push', 'r.yaml'], { cwd: dir }).result();
    expect(pushed.code).toBe(1);
    expect(pushed.stderr).toMatch(/^lifeboat runbook: POST \/runbooks: 403 .*lacks the author role/);
  });
});

describe('lifeboat token list and revoke', () => {
  it('lists live tokens without their secrets, and a revoked token stops working at once', async () => {
    const name = `carol-${randomUUID().slice(0, 8)}`;
    const created = await run(admin, 'token', 'create', '--name', name, '--roles', 'operator,dba', '--subject', 'carol', '--expires', '30d');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    const carol = { ...admin, LIFEBOAT_TOKEN: token };
    expect((await run(carol, 'runs', '--limit', '1')).code).toBe(0);

    const list = await run(admin, 'token', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${name} +carol +operator,dba +\\S+ +admin +\\S+Z$`, 'm'));
    expect(list.stdout).not.toContain(token);
    const json = JSON.parse((await run(admin, 'token', 'list', '--json')).stdout);
    expect(json).toContainEqual(expect.objectContaining({ name, subject: 'carol', roles: ['operator', 'dba'] }));
    expect(JSON.stringify(json)).not.toContain(token);
    // Only admins see the list.
    expect(await run(carol, 'token', 'list')).toMatchObject({ code: 1, stderr: expect.stringContaining('403') });

    expect(await run(admin, 'token', 'revoke', name)).toMatchObject({ code: 0, stdout: `revoked token ${name}: it stops working at once\n` });
    expect(await run(carol, 'runs', '--limit', '1')).toMatchObject({ code: 1, stderr: expect.stringContaining('401') });
    expect((await run(admin, 'token', 'list')).stdout).not.toContain(name);
    expect(await run(admin, 'token', 'revoke', name)).toMatchObject({ code: 1, stderr: expect.stringContaining(`404 no live token is named ${name}`) });
    expect(await run(admin, 'token', 'revoke')).toMatchObject({ code: 2 });
  });
});

describe('lifeboat follow', () => {
  /** A run that waits on an approval after a short first step, started through the CLI. */
  async function waitingRun(): Promise<string> {
    const runbook = await registerRunbook(lb, {
      id: 'cli-follow',
      steps: [
        { id: 'first', action: 'wait', with: { duration: '10ms' } },
        { id: 'go', action: 'approval', needs: ['first'], with: { approvers: ['admin'], allowSelfApproval: true } },
        { id: 'last', action: 'wait', needs: ['go'], with: { duration: '10ms' } },
      ],
    });
    const started = await run(admin, 'run', runbook, '--no-follow', '--json');
    expect(started.code).toBe(0);
    const { started: s } = JSON.parse(started.stdout);
    return String(s.runId);
  }

  const seqs = (stdout: string) =>
    stdout
      .split('\n')
      .flatMap((l) => /^\d\d:\d\d:\d\d {2}#(\d+) /.exec(l)?.[1] ?? [])
      .map(Number);

  it('survives the stream dropping mid-run and the API refusing the reconnect: one line each, no event lost or repeated', async () => {
    const runId = await waitingRun();
    const asked: Array<string | null> = [];
    // The hostile network: the first stream dies right after its first event; the first reconnect cannot connect.
    const faulty: typeof fetch = async (url, init) => {
      if (!String(url).endsWith('/events')) return fetch(url, init);
      asked.push(new Headers(init?.headers).get('last-event-id'));
      if (asked.length === 2) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      const res = await fetch(url, init);
      if (asked.length > 1 || !res.body) return res;
      const reader = res.body.getReader();
      let sentEvent = false;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (sentEvent) {
            await reader.cancel();
            return c.error(new TypeError('terminated', { cause: { code: 'UND_ERR_SOCKET' } }));
          }
          const { value, done } = await reader.read();
          if (done) return c.close();
          sentEvent = new TextDecoder().decode(value).includes('\nid: ') || new TextDecoder().decode(value).startsWith('id: ');
          c.enqueue(value);
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const follow = lifeboat(admin, ['follow', runId], { fetch: faulty });
    await waitFor(
      'follow to show the approval the run waits for',
      async () => ({ ...follow.out }),
      (o) => o.stdout.includes('waiting for admin'),
    );
    expect(await run(admin, 'approve', runId, 'go')).toMatchObject({ code: 0 });
    const { code, stdout, stderr } = await follow.result();
    expect(code).toBe(0);
    // The first stream carried one chunk (one event or a few): the notices name the last one printed.
    const last = asked[1];
    expect(last).toMatch(/^\d+$/);
    expect(stderr.trim().split('\n')).toEqual([
      `lifeboat: the event stream of run ${runId} dropped (UND_ERR_SOCKET); reconnecting in 20ms, after event #${last} (attempt 1 of 5)`,
      `lifeboat: the event stream of run ${runId} dropped (cannot reach the Lifeboat API at ${lb.url} (ECONNREFUSED); is it running? (check LIFEBOAT_URL)); reconnecting in 40ms, after event #${last} (attempt 2 of 5)`,
    ]);
    noStackTrace(stderr);
    expect(asked).toEqual([null, last, last]);
    const seen = seqs(stdout);
    expect(seen).toEqual(seen.map((_, i) => i + 1));
    expect(stdout).toContain('✔ admin approved go');
    expect(stdout.trimEnd().split('\n').pop()).toMatch(new RegExp(`^run ${runId} completed in `));
  });

  it('resumes after the event given with --after, and prints JSON lines with --json', async () => {
    const runId = await waitingRun();
    const first = lifeboat(admin, ['follow', runId, '--after', '2', '--json']);
    const lines = async () =>
      first.out.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event?: { seq: number; type: string }; run?: { status: string } });
    await waitFor('the approval request', lines, (l) => l.some((x) => x.event?.type === 'approval.requested'));
    const answer = await run(admin, 'approve', runId, 'go', '--json');
    expect(JSON.parse(answer.stdout)).toMatchObject({ accepted: true, state: { runId } });
    expect(await first.done).toBe(0);
    const all = await lines();
    expect(all[0]?.event?.seq).toBe(3);
    expect(all.slice(0, -1).every((l) => l.event !== undefined)).toBe(true);
    expect(all[all.length - 1]).toMatchObject({ run: { runId, status: 'completed' } });
  });

  it('says so, in one line, when it gives up, and refuses an unknown run at once', async () => {
    const dead = await deadUrl();
    const down = { ...admin, LIFEBOAT_URL: dead };
    const gaveUp = await run(down, 'follow', 'some-run');
    expect(gaveUp.code).toBe(3);
    const lines = gaveUp.stderr.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe(
      `lifeboat follow: gave up following run some-run after 5 reconnects (cannot reach the Lifeboat API at ${dead} (ECONNREFUSED); is it running? (check LIFEBOAT_URL)); the run goes on: lifeboat follow some-run`,
    );
    noStackTrace(gaveUp.stderr);
    expect(await run(admin, 'follow', `no-such-run-${randomUUID()}`)).toMatchObject({ code: 1, stderr: expect.stringContaining('404') });
  });
});

describe('the humans-in-the-loop commands', () => {
  type State = { status: string; steps: Array<{ id: string; status: string; attempts: number }>; waitingFor: Array<{ kind: string; stepId?: string }> };
  const stateOf = async (runId: string): Promise<State> => JSON.parse((await run(admin, 'status', runId, '--json')).stdout).state;
  const waitingOn = (runId: string, stepId: string) =>
    waitFor(
      `run ${runId} to wait on ${stepId}`,
      () => stateOf(runId),
      (s) => s.waitingFor.some((w) => w.stepId === stepId),
    );
  async function start(definition: Record<string, unknown>): Promise<string> {
    const runbook = await registerRunbook(lb, definition);
    return String(JSON.parse((await run(admin, 'run', runbook, '--no-follow', '--json')).stdout).started.runId);
  }
  const ok = async (...args: string[]) => {
    const r = await run(admin, ...args);
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
    return r.stdout;
  };

  it('complete and reject answer a manual task and an approval', async () => {
    const runId = await start({
      id: 'cli-humans-a',
      steps: [
        { id: 'task', action: 'manual', with: { instructions: 'Check the backups.' } },
        { id: 'gate', action: 'approval', needs: ['task'], with: { approvers: ['admin'], allowSelfApproval: true } },
      ],
    });
    await waitingOn(runId, 'task');
    expect(await ok('complete', runId, 'task', '--note', 'backups fine', '--evidence', 'https://wiki.example.com/b')).toMatch(
      new RegExp(`^completed step task of run ${runId}; the run is running\n`),
    );
    await waitingOn(runId, 'gate');
    expect(await ok('reject', runId, 'gate', '--comment', 'not today')).toContain(`rejected step gate of run ${runId}`);
    const ended = await waitFor(
      'the run to fail',
      () => stateOf(runId),
      (s) => s.status === 'failed',
    );
    expect(ended.steps.map((s) => [s.id, s.status])).toEqual([
      ['task', 'succeeded'],
      ['gate', 'failed'],
    ]);
  });

  it('pause, resume, skip, retry, decide and abort steer a run', async () => {
    const target = await startTarget(() => ({ status: 503 }));
    try {
      const runId = await start({
        id: 'cli-humans-b',
        steps: [
          { id: 'hold', action: 'manual', with: { instructions: 'Wait here.' } },
          { id: 'probe', action: 'http', needs: ['hold'], onFailure: 'ask', with: { url: `${target.url}/down` } },
          { id: 'after', action: 'manual', needs: ['probe'], with: { instructions: 'And here.' } },
        ],
      });
      await waitingOn(runId, 'hold');
      expect(await ok('pause', runId, '--reason', 'lunch')).toContain(`paused run ${runId}; the run is paused`);
      expect(await ok('resume', runId)).toContain(`resumed run ${runId}; the run is running`);
      expect(await ok('skip', runId, 'hold', '--reason', 'not needed')).toContain(`skipped step hold of run ${runId}`);
      await waitingOn(runId, 'probe');
      const retried = JSON.parse(await ok('retry', runId, 'probe', '--reason', 'try again', '--json'));
      expect(retried).toMatchObject({ accepted: true });
      await waitFor(
        'the second attempt to fail',
        () => stateOf(runId),
        (s) => s.steps.find((x) => x.id === 'probe')?.attempts === 2 && s.waitingFor.some((w) => w.stepId === 'probe'),
      );
      expect(await ok('decide', runId, 'probe', 'skip', '--reason', 'target is down')).toContain(`decided on step probe of run ${runId}: skip`);
      await waitingOn(runId, 'after');
      expect(await ok('abort', runId, '--reason', 'enough')).toContain(`aborted run ${runId}`);
      const ended = await waitFor(
        'the run to be aborted',
        () => stateOf(runId),
        (s) => s.status === 'aborted',
      );
      expect(ended.steps.map((s) => [s.id, s.status])).toEqual([
        ['hold', 'skipped'],
        ['probe', 'skipped'],
        ['after', 'cancelled'],
      ]);
      expect(target.calls.length).toBe(2);
    } finally {
      await target.close();
    }
  });
});

describe('lifeboat run --json', () => {
  it('prints the start, each event and the final run as JSON lines', async () => {
    const runbook = await registerRunbook(lb, { id: 'cli-json', steps: [{ id: 'a', action: 'wait', with: { duration: '10ms' } }] });
    const { code, stdout } = await run(admin, 'run', runbook, '--json');
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ started: { runbook, version: 1, mode: 'drill' } });
    expect(lines.slice(1, -1).map((l) => l.event.type)).toEqual(expect.arrayContaining(['run.started', 'step.started', 'step.succeeded', 'run.completed']));
    expect(lines[lines.length - 1]).toMatchObject({ run: { status: 'completed' } });
  });
});

describe('--profile against real sites', () => {
  it('switches between a primary that is down and a standby that answers, and names the profile when it cannot reach one', async () => {
    const dead = await deadUrl();
    const dir = files({ 'standby-token': `${lb.adminToken}\n` });
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ default: 'primary', profiles: { primary: { url: dead, token: 'x' }, standby: { url: lb.url, tokenFile: 'standby-token' } } }));
    const env = { LIFEBOAT_CONFIG: config, HOME: dir };
    const primary = await run(env, 'runbook', 'list');
    expect(primary.code).toBe(3);
    expect(primary.stderr).toBe(`lifeboat runbook: cannot reach the Lifeboat API at ${dead} (ECONNREFUSED); is it running? (check profile primary in ${config})\n`);
    const standby = await run(env, '--profile', 'standby', 'runbook', 'list', '--json');
    expect(standby.code).toBe(0);
    expect(Array.isArray(JSON.parse(standby.stdout))).toBe(true);
  });
});

describe('GET /schema/runbook.json', () => {
  it('serves the schema without a token, cacheable, with an $id that is its own address', async () => {
    const res = await fetch(`${lb.url}/schema/runbook.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/schema\+json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    const schema = (await res.json()) as { $id: string; properties: Record<string, { description?: string }> };
    expect(schema.$id).toBe(`${lb.url}/schema/runbook.json`);
    expect(schema.properties.steps?.description).toContain('The steps');
    expect(res.headers.get('etag')).toMatch(/^W\/"/);
    expect(((await (await fetch(schema.$id)).json()) as { $id: string }).$id).toBe(schema.$id);
  });
});
