import { abortRunUpdate, decideStepUpdate } from '../../contract/messages';
import { startRun, useLifeboat } from '../harness/runs';
import { callsPerKey, startKeyedTarget } from '../harness/target';
import { waitFor } from '../harness/wait';

// The idempotency contract (docs/engine.md): one key per execution of a step, the same across retries; a new key
// only when an operator asks for a fresh execution; a key of its own for an undo.

const env = useLifeboat();
const op = { actor: 'olga', roles: ['operator'] };

describe('idempotency keys', () => {
  let target: Awaited<ReturnType<typeof startKeyedTarget>>;
  beforeAll(async () => {
    // /flaky fails twice then succeeds; /down always fails; /slow holds the call for a minute.
    target = await startKeyedTarget((path, n) =>
      path.startsWith('/flaky') && n <= 2
        ? { status: 503 }
        : path.startsWith('/down')
          ? { status: 500 }
          : path.startsWith('/slow')
            ? { status: 200, holdMs: 60_000 }
            : { status: 200 },
    );
  });
  afterAll(() => target.close());

  it('sends every retry attempt of a step under one key, and its undo under a key of its own', async () => {
    const run = await startRun(
      env.lb,
      {
        steps: [
          {
            id: 'promote',
            action: 'http',
            with: { method: 'POST', url: `${target.url}/flaky-promote` },
            retry: { attempts: 3, backoff: '100ms' },
            undo: { action: 'http', with: { method: 'POST', url: `${target.url}/demote` } },
          },
        ],
      },
      { mode: 'drill' },
    ); // a drill undoes its steps at the end
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps[0]).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(callsPerKey(target.to('/flaky-promote'))).toEqual({ [`${run.runId}/promote`]: 3 });
    expect(callsPerKey(target.to('/demote'))).toEqual({ [`${run.runId}/promote/undo`]: 1 });
  });

  it('gives a step a new key only when an operator retries it as a fresh execution', async () => {
    const run = await startRun(env.lb, { steps: [{ id: 'sync', action: 'http', with: { method: 'POST', url: `${target.url}/flaky-sync` }, onFailure: 'ask' }] });
    await run.until('the first failure', (s) => s.steps[0]!.awaitingDecision === true);
    await run.handle.executeUpdate(decideStepUpdate, { args: [{ ...op, stepId: 'sync', decision: 'retry' }] });
    await run.until('the second failure', (s) => s.steps[0]!.attempts === 2 && s.steps[0]!.awaitingDecision === true);
    await run.handle.executeUpdate(decideStepUpdate, { args: [{ ...op, stepId: 'sync', decision: 'retry', fresh: true }] });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(target.to('/flaky-sync').map((c) => c.key)).toEqual([`${run.runId}/sync`, `${run.runId}/sync`, `${run.runId}/sync/e2`]);
    expect((await run.events()).filter((e) => e.type === 'decision.made').map((e) => e.detail?.fresh)).toEqual([undefined, true]);
  });

  it('does not let Temporal retry a real failure of the action: the step fails after one call', async () => {
    const run = await startRun(env.lb, { steps: [{ id: 'down', action: 'http', with: { method: 'POST', url: `${target.url}/down` } }] });
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(target.to('/down')).toHaveLength(1);
  });

  it('stops a call at the step timeout itself, as a timed-out attempt sent once', async () => {
    const run = await startRun(env.lb, {
      steps: [{ id: 'slow', action: 'http', with: { method: 'POST', url: `${target.url}/slow-timeout` }, timeout: '2s', onFailure: 'continue' }],
    });
    const final = await run.result();
    expect(final.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/timed out after 2s/) });
    expect(target.to('/slow-timeout')).toEqual([expect.objectContaining({ hungUp: true })]);
    expect((await run.events()).filter((e) => e.type === 'step.timed-out')).toHaveLength(1);
  });

  it('cancels a call in flight when the run is aborted', async () => {
    const run = await startRun(env.lb, { steps: [{ id: 'slow', action: 'http', with: { method: 'POST', url: `${target.url}/slow-abort` } }] });
    await waitFor(
      'the call to arrive',
      async () => target.to('/slow-abort').length,
      (n) => n === 1,
      30_000,
    );
    await run.handle.executeUpdate(abortRunUpdate, { args: [{ ...op, reason: 'wrong region', rollback: false }] });
    expect((await run.result()).status).toBe('aborted');
    // The heartbeat carries the cancellation to the activity, which hangs up well before the target would answer.
    await waitFor(
      'the worker to hang up',
      async () => target.to('/slow-abort')[0]!.hungUp,
      (hungUp) => hungUp,
      40_000,
    );
  });
});
