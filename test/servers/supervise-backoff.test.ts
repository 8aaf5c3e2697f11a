// servers/supervise.ts on a stand-in child (`sleep`): the backoff between attempts, its reset once the child stays
// up, a start that fails being retried, and shutdown stopping supervision before the child.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startProcess, type Started } from '../../servers/process';
import { restartBackoffMs, supervise } from '../../servers/supervise';
import { waitFor } from '../harness/wait';

const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'lifeboat-supervise-')), 'sleep.log');

function sleeper(): { start: () => Promise<Started>; starts: Started[]; failNext: (n: number) => void } {
  const starts: Started[] = [];
  let failures = 0;
  return {
    starts,
    failNext: (n) => (failures = n),
    start: async () => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('port 1 (Sleep) is already in use');
      }
      const s = startProcess('sleep', 'sleep', ['600'], logFile);
      starts.push(s);
      return s;
    },
  };
}

const exited = (s: Started) => new Promise<void>((resolve) => (s.child.exitCode !== null || s.child.signalCode !== null ? resolve() : s.child.once('exit', () => resolve())));

describe('supervise', () => {
  it('backs off 1, 2, 4… (capped) while the child keeps dying, and starts again from 1 once it stayed up', async () => {
    const lines: string[] = [];
    const waits: number[] = [];
    const child = sleeper();
    const sup = await supervise('Sleep', child.start, {
      log: (l) => lines.push(l),
      backoffMs: (n) => (waits.push(n), Math.min(40, 10 * 2 ** (n - 1))),
      stableMs: 500,
    });
    for (let i = 1; i <= 3; i++) {
      child.starts.at(-1)!.child.kill('SIGKILL');
      await waitFor(
        `restart ${i}`,
        async () => sup.state(),
        (s) => s.status === 'up' && s.restarts === i,
        5_000,
      );
    }
    expect(lines).toEqual([
      'Sleep exited (signal SIGKILL); restarting it in 0.01s (attempt 1)',
      'Sleep restarted (attempt 1)',
      'Sleep exited (signal SIGKILL); restarting it in 0.02s (attempt 2)',
      'Sleep restarted (attempt 2)',
      'Sleep exited (signal SIGKILL); restarting it in 0.04s (attempt 3)',
      'Sleep restarted (attempt 3)',
    ]);
    // Up longer than stableMs: the next exit is attempt 1 again; a start that fails counts as an attempt.
    await new Promise((r) => setTimeout(r, 600));
    child.failNext(1);
    child.starts.at(-1)!.child.kill('SIGTERM');
    await waitFor(
      'restart 4',
      async () => sup.state(),
      (s) => s.status === 'up' && s.restarts === 4,
      5_000,
    );
    expect(lines.slice(6)).toEqual([
      'Sleep exited (signal SIGTERM); restarting it in 0.01s (attempt 1)',
      'Sleep did not restart: port 1 (Sleep) is already in use; restarting it in 0.02s (attempt 2)',
      'Sleep restarted (attempt 2)',
    ]);
    expect(waits).toEqual([1, 2, 3, 1, 2]);
    expect(sup.state()).toMatchObject({ name: 'Sleep', status: 'up', restarts: 4, lastExit: 'signal SIGTERM', pid: child.starts.at(-1)!.child.pid });

    await sup.stop();
    expect(sup.state()).toMatchObject({ status: 'stopped' });
    await Promise.all(child.starts.map(exited));
    expect(child.starts).toHaveLength(5); // the first start and four restarts
    expect(lines).toHaveLength(9); // our own shutdown is not an exit to restart from
  });

  it('waits 1 s, 2 s, 4 s… capped at 30 s by default', async () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartBackoffMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    const lines: string[] = [];
    const child = sleeper();
    const sup = await supervise('Sleep', child.start, { log: (l) => lines.push(l) });
    child.starts[0]!.child.kill('SIGKILL');
    await waitFor(
      'the exit to be noticed',
      async () => sup.state(),
      (s) => s.status === 'restarting',
      5_000,
    );
    expect(lines).toEqual(['Sleep exited (signal SIGKILL); restarting it in 1s (attempt 1)']);
    // Stopping while a restart is pending cancels it: past the 1 s it would have waited, nothing was started again.
    await sup.stop();
    await new Promise((r) => setTimeout(r, 1200));
    expect(child.starts).toHaveLength(1);
    expect(sup.state().status).toBe('stopped');
  });
});
