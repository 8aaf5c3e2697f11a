// The counters of /metrics are honest: runs finish while Prometheus scrapes, and no counter ever goes down between
// two scrapes; at the end they add up to the runs and step attempts that really finished. The embedded default's
// /metrics holds its worker's counters (one registry per process), so this Lifeboat's counts are its runs alone.
import { apiClient } from '../harness/http';
import { startRun, useLifeboat } from '../harness/runs';

const env = useLifeboat((path) => (path.startsWith('/fail') ? { status: 500, body: { error: 'boom' } } : { status: 200, body: { ok: true } }));

/** The `lifeboat_*` samples of a Prometheus text exposition, by series (name and labels). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('lifeboat_')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const isCounter = (series: string) => /^lifeboat_\w+(_total|_count|_sum|_bucket)[{ ]/.test(`${series} `);

describe('/metrics counters', () => {
  it('never decrease across scrapes while runs finish, and add up to the runs and attempts that finished', async () => {
    const api = apiClient(env.lb.url, { authorization: `Bearer ${env.lb.adminToken}` });
    const scrape = async () => {
      const res = await api.raw('GET', '/metrics');
      expect(res.status).toBe(200);
      return samples(String(res.body));
    };
    const ok = {
      steps: [
        { id: 'a', action: 'wait', with: { duration: '20ms' } },
        { id: 'b', action: 'wait', with: { duration: '20ms' }, needs: ['a'] },
      ],
    };
    const failing = { steps: [{ id: 'get', action: 'http', with: { url: `${env.target.url}/fail` }, retry: { attempts: 2, backoff: '10ms' } }] };

    let previous = await scrape();
    const decreases: string[] = [];
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      const runs = await Promise.all([startRun(env.lb, ok, { mode: 'drill' }), startRun(env.lb, ok, { mode: 'recovery' }), startRun(env.lb, failing, { mode: 'drill' })]);
      let finished = false;
      const results = Promise.all(runs.map((r) => r.result())).finally(() => (finished = true));
      // Scrape while the runs go on, then once after they ended.
      for (let last = false; !last;) {
        last = finished;
        const now = await scrape();
        for (const [series, value] of previous) if (isCounter(series) && (now.get(series) ?? 0) < value) decreases.push(`${series}: ${value} -> ${now.get(series)}`);
        previous = now;
      }
      expect((await results).map((s) => s.status)).toEqual(['completed', 'completed', 'failed']);
    }
    expect(decreases).toEqual([]);
    // The worker feeds a run's last batch before the workflow ends: the final scrape has them all.
    const final = await scrape();
    expect(final.get('lifeboat_runs_total{mode="drill",status="completed"}')).toBe(rounds);
    expect(final.get('lifeboat_runs_total{mode="recovery",status="completed"}')).toBe(rounds);
    expect(final.get('lifeboat_runs_total{mode="drill",status="failed"}')).toBe(rounds);
    expect(final.get('lifeboat_runs_total{mode="drill",status="aborted"}')).toBe(0);
    expect(final.get('lifeboat_step_attempts_total{action="wait",outcome="succeeded"}')).toBe(4 * rounds);
    expect(final.get('lifeboat_step_attempts_total{action="http",outcome="failed"}')).toBe(2 * rounds);
    expect(final.get('lifeboat_step_duration_seconds_count{action="wait",outcome="succeeded"}')).toBe(4 * rounds);
    expect(final.get('lifeboat_step_duration_seconds_count{action="http",outcome="failed"}')).toBe(2 * rounds);
    expect(final.get('lifeboat_runs_running{mode="drill"}')).toEqual(expect.any(Number)); // from the store: all runs, not this worker's
    expect([...final.keys()].some((s) => s.startsWith('lifeboat_build_info{version="0.1.0",'))).toBe(true);
  });
});
