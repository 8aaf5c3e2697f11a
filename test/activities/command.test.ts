// The `command` action through real runs: the worker's allow-list, the environment a program sees, and the kill at
// the step timeout. Only node (by its absolute path) is allowed, so the programs are node scripts given as argv (never a shell).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestLifeboat } from '../harness/lifeboat';
import { startRun } from '../harness/runs';
import { waitFor } from '../harness/wait';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
let dir: string;
beforeAll(async () => {
  lb = await startTestLifeboat({ LIFEBOAT_COMMAND_ALLOWLIST: process.execPath });
  dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-command-'));
});
afterAll(async () => {
  await lb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const file = (name: string) => path.join(dir, `${name}-${randomUUID().slice(0, 8)}`);

/** Whether a process with this id still exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

describe('the command action', () => {
  it('runs an allow-listed program with its argv and only the env the step gives, and reads stdout into outputs', async () => {
    const script = 'process.stdout.write(JSON.stringify({ arg: process.argv[1], greeting: process.env.GREETING, keys: Object.keys(process.env).sort() }))';
    const run = await startRun(lb, {
      parameters: { who: { type: 'string', default: 'world' } },
      steps: [{ id: 'greet', action: 'command', with: { argv: ['node', '-e', script, 'two words'], env: { GREETING: 'hello {{ params.who }}' } }, outputs: { said: 'stdout' } }],
    });
    const final = await run.result();
    expect(final.status).toBe('completed');
    // PATH is the one variable of the worker's a program gets (besides the step's key): its secrets and tokens stay out.
    expect(JSON.parse(String(final.steps[0]!.outputs!.said))).toEqual({ arg: 'two words', greeting: 'hello world', keys: ['GREETING', 'LIFEBOAT_IDEMPOTENCY_KEY', 'PATH'] });
  });

  it('refuses a program that is not on the allow-list, at the first attempt, without running it', async () => {
    const marker = file('refused');
    const run = await startRun(lb, {
      steps: [{ id: 'sneak', action: 'command', with: { argv: ['sh', '-c', `echo ran > ${marker}`] }, retry: { attempts: 3, backoff: '100ms' } }],
    });
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: `sh is not on the command allow-list (${process.execPath}); add its absolute path to LIFEBOAT_COMMAND_ALLOWLIST on the worker`,
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('fails the step when the program exits non-zero, with the tail of its stderr', async () => {
    const run = await startRun(lb, {
      steps: [{ id: 'verify', action: 'command', with: { argv: ['node', '-e', "process.stderr.write('checksum mismatch'); process.exit(3)"] } }],
    });
    const final = await run.result();
    expect(final.steps[0]).toMatchObject({ status: 'failed', error: 'node exited with code 3: checksum mismatch' });
  });

  it('kills a program that outlives the step timeout, before it can do what it would have done later', async () => {
    const pidFile = file('pid');
    const lateFile = file('late');
    // Writes its pid at once, and the late file 4s later: twice the step's timeout.
    const script = "const fs = require('fs'); fs.writeFileSync(process.argv[1], String(process.pid)); setTimeout(() => fs.writeFileSync(process.argv[2], 'late'), 4000)";
    const run = await startRun(lb, {
      steps: [{ id: 'hang', action: 'command', timeout: '2s', with: { argv: ['node', '-e', script, pidFile, lateFile] } }],
    });
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/timed out after 2s/) });
    expect((await run.events()).filter((e) => e.type === 'step.timed-out')).toHaveLength(1);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Once the process is gone it can write nothing more, so the late file's absence then is final.
    await waitFor(
      'the program to be gone',
      async () => alive(pid),
      (up) => !up,
      10_000,
    );
    expect(existsSync(lateFile)).toBe(false);
  });

  it("gives the program the step's idempotency key as LIFEBOAT_IDEMPOTENCY_KEY, so a script can recognise a repeat", async () => {
    const run = await startRun(lb, {
      steps: [{ id: 'script', action: 'command', with: { argv: ['node', '-e', 'process.stdout.write(process.env.LIFEBOAT_IDEMPOTENCY_KEY)'] }, outputs: { key: 'stdout' } }],
    });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps[0]!.outputs).toEqual({ key: `${run.runId}/script` });
  });
});
