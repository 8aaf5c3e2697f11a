import type { LocalServer } from '../api/routes/health';
import type { Started } from './process';

/** A child server we keep running: restarted on the same ports and data whenever it exits on its own. */
export interface Supervised {
  state(): LocalServer;
  /** Stops supervising, then the child (also one being restarted). */
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  log: (line: string) => void;
  /** Wait before restart attempt `n` (1, 2, …): 1 s, 2 s, 4 s… capped at 30 s by default. */
  backoffMs?: (attempt: number) => number;
  /** Up this long, the next exit starts the backoff from attempt 1 again. */
  stableMs?: number;
}

/** The default wait before restart attempt `n`: 1 s, 2 s, 4 s… capped at 30 s. */
export const restartBackoffMs = (attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1));

/** Starts the server with `start` and restarts it with backoff when it exits while we are not stopping it. */
export async function supervise(name: string, start: () => Promise<Started>, o: SuperviseOptions): Promise<Supervised> {
  const backoff = o.backoffMs ?? restartBackoffMs;
  const stableMs = o.stableMs ?? 60_000;
  let current = await start();
  let status: LocalServer['status'] = 'up';
  let restarts = 0;
  let attempt = 0;
  let upSince = Date.now();
  let lastExit: string | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;

  const watch = (s: Started) =>
    s.child.once('exit', (code, signal) => {
      if (stopping) return;
      lastExit = signal ? `signal ${signal}` : `code ${code}`;
      if (Date.now() - upSince >= stableMs) attempt = 0;
      status = 'restarting';
      schedule(`${name} exited (${lastExit})`);
    });
  const schedule = (why: string) => {
    attempt += 1;
    const delay = backoff(attempt);
    o.log(`${why}; restarting it in ${delay / 1000}s (attempt ${attempt})`);
    timer = setTimeout(() => {
      timer = undefined;
      restarting = restart().finally(() => (restarting = undefined));
    }, delay);
  };
  const restart = async () => {
    try {
      const s = await start();
      if (stopping) return void (await s.stop());
      current = s;
      restarts += 1;
      upSince = Date.now();
      status = 'up';
      watch(s);
      o.log(`${name} restarted (attempt ${attempt})`);
    } catch (err) {
      if (!stopping) schedule(`${name} did not restart: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  watch(current);

  return {
    state: () => ({ name, status, ...(status === 'up' ? { pid: current.child.pid } : {}), restarts, ...(lastExit ? { lastExit } : {}) }),
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await restarting;
      await current.stop();
      status = 'stopped';
    },
  };
}
