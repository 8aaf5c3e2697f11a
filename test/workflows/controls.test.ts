import { WorkflowUpdateFailedError } from '@temporalio/client';
import { abortRunUpdate, decideStepUpdate, pauseRunUpdate, resumeRunUpdate, retryStepUpdate, skipStepUpdate } from '../../contract/messages';
import { startRun, useLifeboat } from '../harness/runs';

const failing = new Set<string>();
const op = { actor: 'olga', roles: ['operator'] };

const env = useLifeboat((path) => (failing.has(path) ? { status: 500 } : { status: 200, body: { ok: true } }));

const call = (id: string, path: string, extra: Record<string, unknown> = {}) => ({ id, action: 'http', with: { url: `${env.target.url}${path}` }, ...extra });
const unique = (p: string) => `${p}-${Math.random().toString(36).slice(2, 8)}`;

async function rejectionType(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return (err.cause as { type?: string }).type;
    throw err;
  }
  return undefined;
}

describe('operator controls', () => {
  it('starts no new step while paused and goes on after resume', async () => {
    const second = unique('/second');
    const run = await startRun(env.lb, { steps: [{ id: 'first', action: 'wait', with: { duration: '1s' } }, call('second', second, { needs: ['first'] })] });
    await run.until('first running', (s) => s.steps[0]!.status === 'running');
    const paused = await run.handle.executeUpdate(pauseRunUpdate, { args: [{ ...op, reason: 'checking dashboards' }] });
    expect(paused.state.status).toBe('paused');
    expect(await rejectionType(run.handle.executeUpdate(pauseRunUpdate, { args: [op] }))).toBe('Conflict');
    await run.until('first done', (s) => s.steps[0]!.status === 'succeeded');
    // The activation that finished `first` is the one that would have started `second`: the query sees its result.
    const state = await run.state();
    expect(state.steps[1]!.status).toBe('pending');
    expect(state.waitingFor).toEqual([expect.objectContaining({ kind: 'resume' })]);
    expect(env.target.count(second)).toBe(0);
    await run.handle.executeUpdate(resumeRunUpdate, { args: [op] });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(env.target.count(second)).toBe(1);
    expect((await run.events()).filter((e) => e.type.startsWith('run.p') || e.type === 'run.resumed').map((e) => [e.type, e.actor])).toEqual([
      ['run.paused', 'olga'],
      ['run.resumed', 'olga'],
    ]);
  });

  it('skips a pending step with a reason, and refuses a skip without one', async () => {
    const skipped = unique('/skipped');
    const run = await startRun(env.lb, {
      steps: [
        { id: 'first', action: 'wait', with: { duration: '5s' } },
        call('second', skipped, { needs: ['first'] }),
        { id: 'third', action: 'wait', with: { duration: '10ms' }, needs: ['second'] },
      ],
    });
    await run.until('first running', (s) => s.steps[0]!.status === 'running');
    expect(await rejectionType(run.handle.executeUpdate(skipStepUpdate, { args: [{ ...op, stepId: 'second' }] }))).toBe('Invalid');
    expect(await rejectionType(run.handle.executeUpdate(skipStepUpdate, { args: [{ ...op, stepId: 'first', reason: 'x' }] }))).toBe('Conflict');
    expect(await rejectionType(run.handle.executeUpdate(skipStepUpdate, { args: [{ actor: 'vic', roles: ['viewer'], stepId: 'second', reason: 'x' }] }))).toBe('Forbidden');
    await run.handle.executeUpdate(skipStepUpdate, { args: [{ ...op, stepId: 'second', reason: 'already failed over by hand' }] });
    const final = await run.result();
    expect(final.steps.map((s) => s.status)).toEqual(['succeeded', 'skipped', 'succeeded']);
    expect(final.steps[1]!.reason).toBe('already failed over by hand');
    expect(env.target.count(skipped)).toBe(0);
  });

  it('retries a failed step on request after its cause is fixed', async () => {
    const flaky = unique('/flaky');
    failing.add(flaky);
    const run = await startRun(env.lb, { steps: [call('flaky', flaky, { onFailure: 'continue' }), { id: 'hold', action: 'wait', with: { duration: '3s' } }] });
    await run.until('flaky failed', (s) => s.steps[0]!.status === 'failed');
    failing.delete(flaky);
    await run.handle.executeUpdate(retryStepUpdate, { args: [{ ...op, stepId: 'flaky' }] });
    const final = await run.result();
    expect(final.steps[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(env.target.count(flaky)).toBe(2);
  });

  it('waits for a decision on an ask step and follows it', async () => {
    const asked = unique('/asked');
    failing.add(asked);
    const run = await startRun(env.lb, { steps: [call('risky', asked, { onFailure: 'ask' }), { id: 'after', action: 'wait', with: { duration: '10ms' }, needs: ['risky'] }] });
    const waiting = await run.until('decision needed', (s) => s.waitingFor.some((w) => w.kind === 'decision'));
    expect(waiting.waitingFor[0]).toMatchObject({ stepId: 'risky', from: ['operator'] });
    await run.handle.executeUpdate(decideStepUpdate, { args: [{ ...op, stepId: 'risky', decision: 'retry' }] });
    await run.until('second failure', (s) => s.steps[0]!.attempts === 2 && s.steps[0]!.awaitingDecision === true);
    await run.handle.executeUpdate(decideStepUpdate, { args: [{ ...op, stepId: 'risky', decision: 'skip', reason: 'done by hand' }] });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps.map((s) => s.status)).toEqual(['skipped', 'succeeded']);
    expect((await run.events()).filter((e) => e.type === 'decision.needed')).toHaveLength(2);
  });

  it('aborts the run on request, cancelling what runs and starting nothing more', async () => {
    const never = unique('/never');
    const run = await startRun(env.lb, { steps: [{ id: 'long', action: 'wait', with: { duration: '1h' } }, call('never', never, { needs: ['long'] })] });
    await run.until('long running', (s) => s.steps[0]!.status === 'running');
    await run.handle.executeUpdate(abortRunUpdate, { args: [{ ...op, reason: 'wrong region', rollback: false }] });
    const final = await run.result();
    expect(final.status).toBe('aborted');
    expect(final.error).toBe('wrong region');
    expect(final.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect(env.target.count(never)).toBe(0);
    expect((await run.events()).at(-1)).toMatchObject({ type: 'run.aborted', actor: 'olga' });
  });
});

describe('rollback', () => {
  it('undoes completed steps in reverse completion order when a step fails with onFailure rollback', async () => {
    const id = unique('rb');
    failing.add(`/${id}/boom`);
    const step = (n: string, extra: Record<string, unknown> = {}) => ({
      ...call(n, `/${id}/${n}`, extra),
      undo: { action: 'http', with: { method: 'POST', url: `${env.target.url}/${id}/undo-${n}` } },
    });
    const run = await startRun(env.lb, {
      steps: [step('a'), step('b', { needs: ['a'] }), step('c', { needs: ['b'] }), { ...call('boom', `/${id}/boom`, { needs: ['c'] }), onFailure: 'rollback' }],
    });
    const final = await run.result();
    expect(final.status).toBe('failed');
    const undos = env.target.calls.filter((c) => c.path.startsWith(`/${id}/undo-`)).map((c) => c.path.split('/').pop());
    expect(undos).toEqual(['undo-c', 'undo-b', 'undo-a']);
    const events = (await run.events()).map((e) => [e.type, e.stepId ?? null]).filter(([t]) => String(t).startsWith('rollback'));
    expect(events).toEqual([
      ['rollback.started', null],
      ['rollback.step-undone', 'c'],
      ['rollback.step-undone', 'b'],
      ['rollback.step-undone', 'a'],
      ['rollback.completed', null],
    ]);
  });

  it('runs undo actions as cleanup at the end of a drill', async () => {
    const id = unique('cleanup');
    const run = await startRun(
      env.lb,
      { steps: [{ ...call('promote', `/${id}/promote`), undo: { action: 'http', with: { method: 'POST', url: `${env.target.url}/${id}/demote` } } }] },
      { mode: 'drill' },
    );
    expect((await run.result()).status).toBe('completed');
    expect(env.target.count(`/${id}/demote`)).toBe(1);
    expect((await run.events()).find((e) => e.type === 'rollback.started')?.detail).toMatchObject({ reason: 'drill cleanup' });
  });
});
