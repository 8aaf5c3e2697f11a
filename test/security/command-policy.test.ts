// The command policy as an author with a runbook of their own would attack it: a basename on the allow-list, PATH
// pointing at a directory they control, a preloaded library, a cwd of their choosing, and a program that leaves a
// child running past the step's timeout.
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createActivities } from '../../activities';
import type { CommandRequest, CommandResult } from '../../activities/command';
import type { Dispatched, Kept } from '../../activities/dispatch';
import { ConfigError, loadConfig } from '../../config';
import { validateRunbookObject } from '../../model/validate';
import { startTestLifeboat } from '../harness/lifeboat';
import { startRun } from '../harness/runs';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let dir: string;
let marker: string;
beforeAll(async () => {
  lb = await startTestLifeboat({ LIFEBOAT_COMMAND_ALLOWLIST: process.execPath });
  dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-policy-'));
  marker = path.join(dir, 'pwned');
  // A program named like the allowed one, in a directory the attacker controls.
  writeFileSync(path.join(dir, 'node'), `#!/bin/sh\necho pwned > ${marker}\n`);
  chmodSync(path.join(dir, 'node'), 0o755);
});
afterAll(async () => {
  await lb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const runCommand = (input: Omit<CommandRequest, 'timeoutMs'>, env: Record<string, string> = {}) => {
  const acts = createActivities({ store: lb.store, config: loadConfig({ ...process.env, LIFEBOAT_COMMAND_ALLOWLIST: process.execPath, ...env }), smtpUrl: '', env: process.env });
  return new MockActivityEnvironment().run<[CommandRequest], Dispatched<Kept<CommandResult>>, typeof acts.runCommand>(acts.runCommand, {
    timeoutMs: 10_000,
    secrets: [],
    ...input,
  });
};

const command = (w: Record<string, unknown>) => ({ id: 'policy', title: 't', steps: [{ id: 'run', action: 'command', with: w }] });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the command policy', () => {
  it('refuses a basename on the allow-list at start-up, saying how to fix it', () => {
    expect(() => loadConfig({ ...process.env, LIFEBOAT_COMMAND_ALLOWLIST: 'kubectl' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...process.env, LIFEBOAT_COMMAND_ALLOWLIST: `${process.execPath},kubectl` })).toThrow(
      "LIFEBOAT_COMMAND_ALLOWLIST: 'kubectl' is not an absolute path; list the executable's full path",
    );
  });

  it("refuses env PATH in the runbook and at run time, so a PATH lookup cannot find the attacker's program", async () => {
    const result = validateRunbookObject(command({ argv: ['node', '-e', '0'], env: { PATH: dir } }));
    expect(result.ok ? [] : result.errors).toEqual([{ path: 'steps[0].with.env.PATH', message: expect.stringContaining('a command step may not set PATH') }]);
    await expect(runCommand({ argv: ['node', '-e', '0'], env: { PATH: dir } })).rejects.toThrow('env.PATH: a command step may not set PATH');
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses LD_PRELOAD and the like in the runbook and at run time', async () => {
    const result = validateRunbookObject(command({ argv: ['node'], env: { LD_PRELOAD: '/tmp/evil.so', NODE_OPTIONS: '--require /tmp/evil.js' } }));
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['steps[0].with.env.LD_PRELOAD', 'steps[0].with.env.NODE_OPTIONS']);
    await expect(runCommand({ argv: ['node', '-e', '0'], env: { LD_PRELOAD: path.join(dir, 'evil.so') } })).rejects.toThrow('a command step may not set LD_PRELOAD');
  });

  it('runs the allow-listed file itself, not a file of the same name elsewhere, and follows symlinks to what they are', async () => {
    await expect(runCommand({ argv: [path.join(dir, 'node'), '-e', '0'] })).rejects.toThrow(`${path.join(dir, 'node')} is not on the command allow-list`);
    expect(existsSync(marker)).toBe(false);
    const link = path.join(dir, `alias-${randomUUID().slice(0, 8)}`);
    symlinkSync(process.execPath, link);
    const ok = await runCommand({ argv: [link, '-e', 'process.stdout.write("real")'] });
    expect(ok.result.stdout).toBe('real');
    const evil = path.join(dir, `evil-${randomUUID().slice(0, 8)}`);
    symlinkSync(path.join(dir, 'node'), evil);
    await expect(runCommand({ argv: [evil] })).rejects.toThrow('is not on the command allow-list');
  });

  it('refuses a cwd outside LIFEBOAT_COMMAND_ROOTS, symlinks resolved', async () => {
    await expect(runCommand({ argv: ['node', '-e', '0'], cwd: '/etc' })).rejects.toThrow('cwd /etc is not an existing directory under LIFEBOAT_COMMAND_ROOTS (none');
    const inside = await runCommand({ argv: ['node', '-e', 'process.stdout.write(process.cwd())'], cwd: dir }, { LIFEBOAT_COMMAND_ROOTS: tmpdir() });
    expect(inside.result.stdout).toBe(realpathSync(dir));
    await expect(runCommand({ argv: ['node', '-e', '0'], cwd: `${dir}/../../etc` }, { LIFEBOAT_COMMAND_ROOTS: dir })).rejects.toThrow(
      'is not an existing directory under LIFEBOAT_COMMAND_ROOTS',
    );
  });

  it("kills the program's whole process group at the step timeout, children included", async () => {
    const pidFile = path.join(dir, `child-${randomUUID().slice(0, 8)}`);
    const child = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const script = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'ignore' }); setInterval(() => {}, 1000)`;
    const run = await startRun(lb, { steps: [{ id: 'hang', action: 'command', timeout: '2s', with: { argv: [process.execPath, '-e', script] } }] });
    const final = await run.result();
    expect(final.steps[0]!.error).toMatch(/timed out after 2s/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      await waitFor(
        'the child to be gone',
        async () => alive(pid),
        (up) => !up,
        10_000,
      );
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
