import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../cli/main';
import { startTestLifeboat } from '../harness/lifeboat';
import { registerRunbook, startTarget } from '../harness/runs';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let target: Awaited<ReturnType<typeof startTarget>>;
let admin: Record<string, string>;

beforeAll(async () => {
  lb = await startTestLifeboat();
  target = await startTarget((p) => ({ status: p === '/down' ? 503 : 200 }));
  admin = { LIFEBOAT_URL: lb.url, LIFEBOAT_TOKEN: lb.adminToken };
});
afterAll(async () => {
  await target?.close();
  await lb?.stop();
});

/** `lifeboat …` in-process with its own environment; `out` grows while the command runs. */
function lifeboat(env: Record<string, string>, ...args: string[]) {
  const out = { stdout: '', stderr: '' };
  const cwd = mkdtempSync(path.join(tmpdir(), 'lifeboat-cli-'));
  const done = main(args, { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) }, env, cwd });
  return { out, cwd, done, result: async () => ({ code: await done, ...out }) };
}

describe('lifeboat run with an approval', () => {
  it('follows a drill live, shows what it waits for, takes the approval and exits 0', async () => {
    const runbook = await registerRunbook(lb, {
      id: 'cli-drill',
      objectives: { rto: '5m' },
      parameters: { replicas: { type: 'number', default: 1 }, dryRun: { type: 'boolean', default: false } },
      steps: [
        { id: 'prepare', action: 'wait', with: { duration: '100ms' } },
        { id: 'go', action: 'approval', needs: ['prepare'], with: { approvers: ['dba'], instructions: 'Is the replica caught up?' } },
        { id: 'switch', action: 'http', needs: ['go'], drill: 'simulate', with: { method: 'POST', url: `${target.url}/switch` } },
        { id: 'finish', action: 'wait', needs: ['switch'], with: { duration: '50ms' } },
      ],
    });
    const token = await lifeboat(admin, 'token', 'create', '--name', `bob-${runbook}`, '--roles', 'dba', '--subject', 'bob').result();
    expect(token.code).toBe(0);
    expect(token.stderr).toContain('for bob with roles dba');
    const bob = { LIFEBOAT_URL: lb.url, LIFEBOAT_TOKEN: token.stdout.trim() };

    const run = lifeboat(admin, 'run', runbook, '--mode', 'drill', '--param', 'replicas=3', '--param', 'dryRun=true');
    const seen = await waitFor(
      'the CLI to say what the run waits for',
      async () => ({ ...run.out }),
      (o) => o.stdout.includes('waiting for dba'),
    );
    const runId = /started run (\S+):/.exec(seen.stdout)?.[1];
    expect(runId).toBeDefined();

    const approve = await lifeboat(bob, 'approve', runId!, 'go', '--comment', 'caught up').result();
    expect(approve).toMatchObject({ code: 0, stderr: '' });
    expect(approve.stdout).toContain(`approved step go of run ${runId}; the run is running`);

    const { code, stdout, stderr } = await run.result();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`started run ${runId}: ${runbook} v1 in drill mode`);
    expect(stdout).toMatch(/#1 {2}run started: .* in drill mode, by admin/);
    expect(stdout).toContain('? go needs approval from dba — Is the replica caught up?');
    expect(stdout).toContain(`waiting for dba: approval of go: 0 of 1 from dba — lifeboat approve ${runId} go`);
    expect(stdout).toContain('✔ bob approved go: caught up');
    expect(stdout).toContain('~ switch simulated (drill)');
    expect(stdout).toContain('progress: 4/4 steps done');
    expect(lines.filter((l) => l.startsWith('progress:')).length).toBeGreaterThanOrEqual(3);
    expect(lines[lines.length - 2]).toMatch(new RegExp(`^run ${runId} completed in \\S+; recovery \\S+ against an RTO of 5m \\(met\\)$`));
    const seqs = lines.flatMap((l) => /^\d\d:\d\d:\d\d {2}#(\d+) /.exec(l)?.[1] ?? []).map(Number);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    const status = await lifeboat(admin, 'status', runId!).result();
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${runId}: completed — ${runbook} v1 in drill mode`);
    expect(status.stdout).toMatch(/switch +http +simulated/);
    const json = JSON.parse((await lifeboat(admin, 'status', runId!, '--json').result()).stdout);
    expect(json.parameters).toEqual({ replicas: 3, dryRun: true });

    const runs = await lifeboat(admin, 'runs', '--runbook', runbook, '--mode', 'drill').result();
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`${runId} +${runbook} v1 +drill +completed`));

    const report = lifeboat(admin, 'report', runId!, '--html', 'report.html');
    expect(await report.done).toBe(0);
    const html = readFileSync(path.join(report.cwd, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('caught up');
    const reportJson = JSON.parse((await lifeboat(admin, 'report', runId!).result()).stdout);
    expect(reportJson.signOffs).toEqual([expect.objectContaining({ actor: 'bob', outcome: 'granted', comment: 'caught up' })]);

    const late = await lifeboat(bob, 'approve', runId!, 'go').result();
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('409');
  });
});

describe('lifeboat run exit codes', () => {
  it('exits 1 when the run fails', async () => {
    const runbook = await registerRunbook(lb, { id: 'cli-fail', steps: [{ id: 'probe', action: 'http', with: { url: `${target.url}/down` } }] });
    const { code, stdout } = await lifeboat(admin, 'run', runbook, '--mode', 'recovery').result();
    expect(code).toBe(1);
    expect(stdout).toContain('✘ probe failed');
    expect(stdout).toMatch(/run \S+ failed in \S+: step probe/);
  });

  it('exits 0 at once with --no-follow', async () => {
    const runbook = await registerRunbook(lb, { id: 'cli-nofollow', steps: [{ id: 'a', action: 'wait', with: { duration: '10ms' } }] });
    const { code, stdout } = await lifeboat(admin, 'run', runbook, '--no-follow').result();
    expect(code).toBe(0);
    expect(stdout).toMatch(/^started run \S+: cli-nofollow-\S+ v1 in drill mode\n$/);
  });

  it('exits 1 when the API refuses the request', async () => {
    const unknown = await lifeboat(admin, 'run', 'no-such-runbook').result();
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^lifeboat run: POST \/runs: 404 runbook no-such-runbook is not registered/);
    const anonymous = await lifeboat({ LIFEBOAT_URL: lb.url }, 'runs').result();
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('401');
    expect(anonymous.stderr).toContain('(set LIFEBOAT_TOKEN)');
  });

  it('exits 2 for a usage error and 3 when the API cannot be reached', async () => {
    expect((await lifeboat(admin, 'run').result()).code).toBe(2);
    expect((await lifeboat(admin, 'run', 'x', '--mode', 'prod').result()).stderr).toContain("--mode must be drill or recovery, not 'prod'");
    expect(await lifeboat(admin, 'skip', 'r1', 's1').result()).toMatchObject({ code: 2, stderr: expect.stringContaining('--reason is required') });
    expect((await lifeboat(admin, 'decide', 'r1', 's1', 'maybe').result()).code).toBe(2);
    const down = await lifeboat({ LIFEBOAT_URL: 'http://127.0.0.1:1', LIFEBOAT_TOKEN: 'x' }, 'status', 'r1').result();
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach the Lifeboat API at http://127.0.0.1:1');
  });
});
