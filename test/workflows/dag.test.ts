import { startRun, useLifeboat } from '../harness/runs';

const env = useLifeboat((path, n) => {
  if (path.startsWith('/flaky')) return n < 3 ? { status: 503 } : { status: 200, body: { ok: true } };
  if (path.startsWith('/slow')) return { status: 200 };
  if (path.startsWith('/lag')) return { status: 200, body: { replica: { lag: n < 3 ? 30 : 2 } } };
  if (path.startsWith('/fail')) return { status: 500, body: { error: 'boom' } };
  return { status: 200, body: { region: 'eu-west-1', token: `t${n}` } };
});

const get = (id: string, path: string, extra: Record<string, unknown> = {}) => ({ id, action: 'http', with: { url: `${env.target.url}${path}` }, ...extra });

describe('the runbook engine', () => {
  it('runs steps whose needs are met in parallel', async () => {
    const run = await startRun(env.lb, {
      steps: [
        { id: 'a', action: 'wait', with: { duration: '1500ms' } },
        { id: 'b', action: 'wait', with: { duration: '1500ms' } },
        { id: 'c', action: 'wait', with: { duration: '10ms' }, needs: ['a', 'b'] },
      ],
    });
    const final = await run.result();
    expect(final.status).toBe('completed');
    const [a, b, c] = final.steps;
    // a and b overlap in time; c starts only after both ended.
    expect(Date.parse(a!.startedAt!)).toBeLessThan(Date.parse(b!.finishedAt!));
    expect(Date.parse(b!.startedAt!)).toBeLessThan(Date.parse(a!.finishedAt!));
    expect(Date.parse(c!.startedAt!)).toBeGreaterThanOrEqual(Math.max(Date.parse(a!.finishedAt!), Date.parse(b!.finishedAt!)));
  });

  it('retries a failing step with backoff and counts its attempts', async () => {
    const run = await startRun(env.lb, { steps: [get('flaky', `/flaky-${Date.now()}`, { retry: { attempts: 4, backoff: '200ms', factor: 2 } })] });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps[0]).toMatchObject({ status: 'succeeded', attempts: 3 });
    const events = await run.events();
    expect(events.filter((e) => e.type === 'step.retrying').map((e) => [e.attempt, e.detail?.afterMs])).toEqual([
      [2, 200],
      [3, 400],
    ]);
    expect(events.filter((e) => e.type === 'step.failed').map((e) => e.attempt)).toEqual([1, 2]);
  });

  it('fails a step whose attempt outlives its timeout, and the run with it', async () => {
    const run = await startRun(env.lb, {
      steps: [{ id: 'slow', action: 'check', timeout: '2s', with: { url: `${env.target.url}/slow`, every: '200ms', until: { status: 201, op: 'eq', value: 201 } } }],
    });
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(final.steps[0]!.error).toMatch(/timed out/);
    expect((await run.events()).map((e) => e.type)).toContain('step.timed-out');
  });

  it('polls a check until its condition holds and passes outputs to later steps', async () => {
    const lag = `/lag-${Date.now()}`;
    const run = await startRun(env.lb, {
      steps: [
        {
          id: 'lag',
          action: 'check',
          with: { url: `${env.target.url}${lag}`, every: '100ms', until: { path: 'replica.lag', op: 'lt', value: 5 } },
          outputs: { lag: 'body.replica.lag' },
        },
        get('info', '/info', { needs: ['lag'], outputs: { region: 'body.region' } }),
        {
          ...get('use', '/use', { needs: ['info'] }),
          with: { url: `${env.target.url}/use/{{ steps.info.outputs.region }}`, method: 'POST', json: { lag: '{{ steps.lag.outputs.lag }}' } },
        },
      ],
    });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(env.target.count(lag)).toBe(3);
    expect(final.steps[0]!.outputs).toEqual({ lag: 2 });
    const use = env.target.calls.find((c) => c.path === '/use/eu-west-1');
    expect(use && JSON.parse(use.body)).toEqual({ lag: 2 });
  });

  it('skips a step whose when is false and runs its dependents', async () => {
    const path = `/never-${Date.now()}`;
    const run = await startRun(env.lb, {
      parameters: { region: { type: 'string', default: 'us-east-1' } },
      steps: [get('only-eu', path, { when: "params.region == 'eu-west-1'" }), { id: 'after', action: 'wait', with: { duration: '10ms' }, needs: ['only-eu'] }],
    });
    const final = await run.result();
    expect(final.steps.map((s) => s.status)).toEqual(['skipped', 'succeeded']);
    expect(env.target.count(path)).toBe(0);
  });

  it('goes on after a failed step whose onFailure is continue', async () => {
    const run = await startRun(env.lb, { steps: [get('bad', '/fail', { onFailure: 'continue' }), { id: 'after', action: 'wait', with: { duration: '10ms' }, needs: ['bad'] }] });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps.map((s) => s.status)).toEqual(['failed', 'succeeded']);
  });

  it('stops scheduling and fails the run when a step with onFailure abort fails', async () => {
    const path = `/after-abort-${Date.now()}`;
    const run = await startRun(env.lb, { steps: [get('bad', '/fail'), get('after', path, { needs: ['bad'] })] });
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.error).toMatch(/step bad failed: GET .*\/fail answered 500/);
    expect(final.steps.map((s) => s.status)).toEqual(['failed', 'cancelled']);
    expect(env.target.count(path)).toBe(0);
    expect((await run.events()).at(-1)?.type).toBe('run.failed');
  });

  it('causes no side effect for drill skip and simulate steps', async () => {
    const stamp = Date.now();
    const run = await startRun(
      env.lb,
      { steps: [get('skipped', `/skip-${stamp}`, { drill: 'skip' }), get('simulated', `/sim-${stamp}`, { drill: 'simulate' }), get('real', `/real-${stamp}`)] },
      { mode: 'drill' },
    );
    const final = await run.result();
    expect(final.steps.map((s) => s.status)).toEqual(['skipped', 'simulated', 'succeeded']);
    expect([env.target.count(`/skip-${stamp}`), env.target.count(`/sim-${stamp}`), env.target.count(`/real-${stamp}`)]).toEqual([0, 0, 1]);
    const types = (await run.events()).map((e) => e.type);
    expect(types).toContain('step.simulated');
    expect(types).toContain('step.skipped');
  });

  it('measures recovery time from declaredAt to the step that ends recovery', async () => {
    const declaredAt = new Date(Date.now() - 60_000).toISOString();
    const run = await startRun(
      env.lb,
      {
        objectives: { rto: '30s' },
        recovery: { endsAt: 'restore' },
        steps: [
          { id: 'restore', action: 'wait', with: { duration: '10ms' } },
          { id: 'tidy', action: 'wait', with: { duration: '1s' }, needs: ['restore'] },
        ],
      },
      { declaredAt },
    );
    const final = await run.result();
    const sinceDeclared = (at: string | undefined) => Date.parse(at!) - Date.parse(declaredAt);
    expect(final.recovery.achievedMs).toBeGreaterThanOrEqual(60_000);
    // The clock stops when restore ends: before tidy starts, so tidy's second is not counted.
    expect(final.recovery.achievedMs).toBeLessThanOrEqual(sinceDeclared(final.steps[1]!.startedAt));
    expect(sinceDeclared(final.finishedAt) - final.recovery.achievedMs!).toBeGreaterThanOrEqual(1000);
    expect(final.recovery).toMatchObject({ targetMs: 30_000, breached: true, endsAt: 'restore' });
    const achieved = (await run.events()).find((e) => e.type === 'recovery.achieved');
    expect(achieved?.detail).toMatchObject({ targetMs: 30_000, breached: true });
  });
});
