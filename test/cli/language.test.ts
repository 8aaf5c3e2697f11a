import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../cli/main';
import { runbookJsonSchema } from '../../model/json-schema';

const repo = path.join(__dirname, '../..');

async function lifeboat(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd: repo });
  return { code, stdout, stderr };
}

function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lifeboat-cli-')), name);
  writeFileSync(file, text);
  return file;
}

describe('lifeboat validate', () => {
  it('prints one summary line per valid file and exits 0', async () => {
    const { code, stdout, stderr } = await lifeboat('validate', 'runbooks/hello-drill.yaml', 'runbooks/orders-db-failover.yaml');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^runbooks\/hello-drill\.yaml: ok — id hello-drill, 2 steps, hash [0-9a-f]{12}…\nrunbooks\/orders-db-failover\.yaml: ok — id orders-db-failover, 9 steps, hash [0-9a-f]{12}…\n$/,
    );
  });

  it('prints every error as file:line path: message and exits 1', async () => {
    const file = tempFile('bad.yaml', 'id: t\ntitle: T\nsteps:\n  - id: a\n    action: approval\n    with: { approvers: [dba], quorum: 0 }\n    needs: [b]\n');
    const { code, stdout, stderr } = await lifeboat('validate', file);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${file}:6 steps[0].with.quorum: expected a whole number ≥ 1\n${file}:7 steps[0].needs[0]: unknown step 'b'; needs must name steps of this runbook\n`);
  });

  it('checks every file even after an invalid one, then counts the failures', async () => {
    const bad = tempFile('bad.yaml', 'id: t\n');
    const { code, stdout, stderr } = await lifeboat('validate', bad, 'runbooks/hello-drill.yaml');
    expect(code).toBe(1);
    expect(stdout).toContain('runbooks/hello-drill.yaml: ok');
    expect(stderr).toContain(`${bad}:1 title: is required`);
    expect(stderr).toMatch(/1 of 2 files are invalid\n$/);
  });

  it('prints warnings without failing', async () => {
    const file = tempFile('warn.yaml', 'id: t\ntitle: T\nobjectives: { rto: 1h }\nsteps:\n  - { id: a, action: wait, with: { duration: 1s } }\n');
    const { code, stderr } = await lifeboat('validate', file);
    expect(code).toBe(0);
    expect(stderr).toBe(`${file}:3 objectives.rto: warning: the RTO is measured to the end of the whole run; set recovery.endsAt to the step that restores service\n`);
  });

  it('reports a missing file as an error', async () => {
    const { code, stderr } = await lifeboat('validate', 'runbooks/nope.yaml');
    expect(code).toBe(1);
    expect(stderr).toBe('runbooks/nope.yaml: cannot read the file: no such file\n');
  });

  it('reports a directory as an error', async () => {
    expect(await lifeboat('validate', 'runbooks')).toMatchObject({ code: 1, stderr: 'runbooks: cannot read the file: it is a directory\n' });
  });

  it('validates JSON files', async () => {
    const file = tempFile('x.json', JSON.stringify({ id: 'x', title: 'X', steps: [{ id: 'a', action: 'wait', with: { duration: '1s' } }] }));
    const { code, stdout } = await lifeboat('validate', file);
    expect(code).toBe(0);
    expect(stdout).toContain(': ok — id x, 1 step, hash');
  });

  it('exits 2 without files', async () => {
    const { code, stderr } = await lifeboat('validate');
    expect(code).toBe(2);
    expect(stderr).toBe('lifeboat validate: name at least one runbook file\nusage: lifeboat validate <file…>\n');
  });
});

describe('lifeboat plan', () => {
  it('prints the stages, critical path and RTO verdict', async () => {
    const { code, stdout } = await lifeboat('plan', 'runbooks/hello-drill.yaml');
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'hello-drill — Hello drill (recovery mode)',
        '',
        'stage  step    action  drill  expected  basis    start  finish  critical',
        '1      pause   wait    run    2s        default  0s     2s      *',
        '2      notify  notify  run    10s       default  2s     12s     *',
        '',
        'critical path: pause → notify',
        'predicted recovery: 12s (until notify finishes); whole run: 12s',
        'RTO: 5m — met with 4m48s to spare',
        'warning: notify (notify) has neither expected nor timeout; the plan assumes action defaults, so set expected for a better estimate',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON with --json and honours --mode', async () => {
    const { code, stdout } = await lifeboat('plan', 'runbooks/orders-db-failover.yaml', '--mode', 'drill', '--json');
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan.mode).toBe('drill');
    expect(plan.steps.find((s: { id: string }) => s.id === 'promote-replica')).toMatchObject({ drill: 'simulate', expectedMs: 0 });
  });

  it('prints validation errors and exits 1 for an invalid runbook', async () => {
    const file = tempFile('bad.yaml', 'id: t\ntitle: T\nsteps: []\n');
    const { code, stderr } = await lifeboat('plan', file);
    expect(code).toBe(1);
    expect(stderr).toBe(`${file}:3 steps: expected at least 1 item\n`);
  });

  it.each([
    [['plan'], 'name exactly one runbook file'],
    [['plan', 'a.yaml', 'b.yaml'], 'name exactly one runbook file'],
    [['plan', 'a.yaml', '--mode', 'prod'], "--mode must be drill or recovery, not 'prod'"],
    [['plan', 'a.yaml', '--fast'], "Unknown option '--fast'"],
  ])('exits 2 for %j', async (args, message) => {
    const { code, stderr } = await lifeboat(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('usage: lifeboat plan <file> [--mode drill|recovery] [--json]');
  });
});

describe('lifeboat schema', () => {
  it('prints the JSON Schema', async () => {
    const { code, stdout } = await lifeboat('schema');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(runbookJsonSchema());
  });

  it('exits 2 when given arguments', async () => {
    expect((await lifeboat('schema', 'extra')).code).toBe(2);
  });
});

describe('lifeboat', () => {
  it('prints usage and exits 2 without a command', async () => {
    const { code, stderr } = await lifeboat();
    expect(code).toBe(2);
    expect(stderr).toContain('usage: lifeboat [--profile NAME] <command> [options]');
    expect(stderr).toMatch(/validate +check runbook files/);
  });

  it('exits 2 for an unknown command', async () => {
    const { code, stderr } = await lifeboat('vaildate');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^lifeboat: unknown command 'vaildate'\n/);
  });

  it('prints usage and exits 0 with --help', async () => {
    expect(await lifeboat('--help')).toMatchObject({ code: 0, stderr: '' });
    expect(await lifeboat('plan', '--help')).toMatchObject({ code: 0, stdout: 'usage: lifeboat plan <file> [--mode drill|recovery] [--json]\n' });
  });
});
