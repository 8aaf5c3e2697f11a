import { Runbook } from '../../model/runbook';
import type { PinnedRun } from '../../contract/run';
import { readySteps, recoveryClock, resumeState, runRecord, snapshot, templateContext, waitingFor } from '../../workflows/project';
import { Readiness } from '../../workflows/readiness';
import { initialState, RunStore, type EngineState } from '../../workflows/state';

// The run's state is plain data and everything the query, the scheduler and the run record show is a pure
// function of it: these tests need no server.

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function pinned(definition: Record<string, unknown>): PinnedRun {
  const runbook = Runbook.parse({ id: 'rb', title: 'Runbook', ...definition });
  return { runId: 'run-1', runbook, version: 1, hash: 'h', mode: 'recovery', parameters: { region: 'eu' }, requester: 'alice', trigger: { kind: 'api', by: 'alice' } };
}

function stateOf(run: PinnedRun): EngineState {
  return initialState(
    run.runbook.steps.map((s) => ({ id: s.id, title: s.title, action: s.action })),
    iso(0),
    T0,
  );
}

const http = (id: string, extra: Record<string, unknown> = {}) => ({ id, action: 'http', with: { url: 'http://x.test/' + id }, ...extra });

describe('readySteps', () => {
  const run = pinned({ steps: [http('a'), http('b', { onFailure: 'continue' }), http('c', { needs: ['a', 'b'] })] });

  it('starts steps without needs first, in runbook order', () => {
    expect(readySteps(run, stateOf(run)).map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('starts a step once every need succeeded, was skipped, or failed with onFailure continue', () => {
    const store = new RunStore(stateOf(run));
    store.patchStep('a', { state: { status: 'succeeded' } });
    store.patchStep('b', { state: { status: 'running' } });
    expect(readySteps(run, store.state).map((s) => s.id)).toEqual([]);
    store.patchStep('b', { state: { status: 'failed' } });
    expect(readySteps(run, store.state).map((s) => s.id)).toEqual(['c']);
    store.patchStep('a', { state: { status: 'skipped' } });
    expect(readySteps(run, store.state).map((s) => s.id)).toEqual(['c']);
  });

  it("answers the same from the store's index of pending steps as from every step, in runbook order", () => {
    const wide = pinned({ steps: [http('z'), http('y'), http('x', { needs: ['z'] }), http('w', { needs: ['y', 'x'] })] });
    const store = new RunStore(stateOf(wide));
    const both = () => {
      const all = readySteps(wide, store.state).map((s) => s.id);
      expect(readySteps(wide, store.state, store.pending).map((s) => s.id)).toEqual(all);
      return all;
    };
    expect(both()).toEqual(['z', 'y']);
    store.patchStep('y', { state: { status: 'running' } });
    store.patchStep('z', { state: { status: 'running' } });
    expect(both()).toEqual([]);
    store.patchStep('z', { state: { status: 'succeeded' } });
    store.patchStep('y', { state: { status: 'failed' } });
    expect(both()).toEqual(['x']);
    // An operator's retry makes a failed step pending again: it is a candidate again, before x in runbook order.
    store.patchStep('y', { state: { status: 'pending' } });
    expect(both()).toEqual(['y', 'x']);
    store.patchStep('x', { state: { status: 'succeeded' } });
    store.patchStep('y', { state: { status: 'succeeded' } });
    expect(both()).toEqual(['w']);
  });

  it('keeps, as steps change, the ready steps readySteps computes over every step (started in runbook order) and what templates see', () => {
    // A DAG of 60 steps (each needs up to two earlier ones, some continue on failure) changed at random, as runs,
    // operators' retries and decisions change it; after every few changes the kept set starts what readySteps names.
    let seed = 7; // Park–Miller: the products stay exact in a double
    const random = (n: number) => ((seed = (seed * 48271) % 2147483647), seed % n);
    const steps = Array.from({ length: 60 }, (_, i) => {
      const needs = i < 5 ? [] : [...new Set([`s${random(i)}`, `s${random(i)}`])].slice(0, random(3));
      return http(`s${i}`, { needs, ...(random(3) === 0 ? { onFailure: 'continue' } : {}) });
    });
    const dag = pinned({ steps });
    const store = new RunStore(stateOf(dag));
    const readiness = new Readiness(dag, store);
    const statuses = ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const;
    for (let round = 0; round < 200; round++) {
      for (let k = random(4); k > 0; k--) {
        const id = `s${random(60)}`;
        const outputs = random(2) === 0 ? { n: round } : undefined;
        store.patchStep(id, { state: { status: statuses[random(statuses.length)], awaitingDecision: random(5) === 0 ? true : undefined, outputs } });
      }
      if (round === 100) store.patchRun({ strictGates: true });
      // What templates see is kept as steps change too.
      expect(store.ended).toEqual(templateContext(dag, store.state).steps);
      const expected = readySteps(dag, store.state).map((s) => s.id);
      readiness.refresh();
      expect(readiness.size).toBe(expected.length);
      // Pass over the first ready step as busy, start up to three: the same ones the scheduler's loop would.
      const busy = expected[0];
      const started: string[] = [];
      readiness.take(
        () => started.length < 3,
        (id) => id === busy,
        (step) => started.push(step.id),
      );
      expect(started).toEqual(expected.filter((id) => id !== busy).slice(0, 3));
      for (const id of started) store.patchStep(id, { state: { status: 'running' } });
    }
  });

  it('holds dependents of a failed step that waits for an operator decision', () => {
    const store = new RunStore(stateOf(run));
    store.patchStep('a', { state: { status: 'succeeded' } });
    store.patchStep('b', { state: { status: 'failed', awaitingDecision: true } });
    expect(readySteps(run, store.state)).toEqual([]);
  });

  it('does not start a step whose need failed with onFailure abort', () => {
    const abortRun = pinned({ steps: [http('a'), http('c', { needs: ['a'] })] });
    const store = new RunStore(stateOf(abortRun));
    store.patchStep('a', { state: { status: 'failed' } });
    expect(readySteps(abortRun, store.state)).toEqual([]);
  });
});

describe('RunStore', () => {
  // The engine rebuilds the template context only when endedVersion moves: it must move for every change the
  // context shows (a step ending, its outputs, a retry taking it back), and may stay put while steps only start.
  it('moves endedVersion whenever what templateContext shows changes, and not when steps only start', () => {
    const run = pinned({ steps: [http('a'), http('b')] });
    const store = new RunStore(stateOf(run));
    const seen = () => ({ v: store.endedVersion, ctx: JSON.stringify(templateContext(run, store.state)) });
    let last = seen();
    const expectMoved = (moved: boolean) => {
      const now = seen();
      if (now.ctx !== last.ctx) expect(now.v).not.toBe(last.v);
      expect(now.v !== last.v).toBe(moved);
      last = now;
    };
    store.patchStep('a', { state: { status: 'running' } });
    store.patchStep('b', { state: { status: 'running' } });
    expectMoved(false);
    store.patchStep('a', { state: { status: 'succeeded', outputs: { x: 1 } } });
    expectMoved(true);
    store.patchStep('a', { state: { outputs: { x: 2 } } });
    expectMoved(true);
    store.patchStep('a', { state: { status: 'pending' } });
    expectMoved(true);
    store.patchStep('b', { waitingSince: iso(5) });
    expectMoved(false);
  });
  it('moves its version on every change, so the scheduler wakes for each', () => {
    const run = pinned({ steps: [http('a')] });
    const store = new RunStore(stateOf(run));
    const versions = [store.version];
    store.patchStep('a', { state: { status: 'running' } });
    versions.push(store.version);
    store.patchRun({ paused: true });
    versions.push(store.version);
    store.stop({ status: 'aborted', reason: 'r', actor: 'bob', rollback: false });
    versions.push(store.version);
    expect(new Set(versions).size).toBe(4);
  });

  it('keeps the first reason a run stopped for', () => {
    const store = new RunStore(stateOf(pinned({ steps: [http('a')] })));
    expect(store.stop({ status: 'failed', reason: 'first', actor: 'lifeboat', rollback: true })).toBe(true);
    expect(store.stop({ status: 'aborted', reason: 'second', actor: 'bob', rollback: false })).toBe(false);
    expect(store.state.halt).toMatchObject({ reason: 'first', status: 'failed' });
  });

  it('rejects a change to a step the run does not have', () => {
    const store = new RunStore(stateOf(pinned({ steps: [http('a')] })));
    expect(() => store.patchStep('nope', {})).toThrow('no step nope in this run');
  });
});

describe('waitingFor and snapshot', () => {
  const run = pinned({
    steps: [
      { id: 'ok', title: 'Go ahead', action: 'approval', with: { approvers: ['dba', 'sre'], quorum: 2 } },
      { id: 'm', action: 'manual', with: { instructions: 'do it', assignee: 'dba' } },
      http('h', { onFailure: 'ask' }),
    ],
  });

  it('says who an approval waits for and how many have approved', () => {
    const store = new RunStore(stateOf(run));
    store.patchStep('ok', { waitingSince: iso(5), state: { status: 'waiting', approvals: [{ actor: 'bob', decision: 'approve', at: iso(6) }] } });
    expect(waitingFor(run, store.state)).toEqual([
      { stepId: 'ok', kind: 'approval', from: ['dba', 'sre'], message: 'approval of Go ahead: 1 of 2 from dba or sre', since: iso(5) },
    ]);
  });

  it('lists a manual task, an operator decision and a paused run', () => {
    const store = new RunStore(stateOf(run));
    store.patchStep('m', { state: { status: 'waiting' } });
    store.patchStep('h', { waitingSince: iso(9), state: { status: 'failed', error: 'boom', awaitingDecision: true } });
    store.patchRun({ paused: true, pausedSince: iso(10) });
    expect(waitingFor(run, store.state).map((w) => [w.kind, w.stepId, w.from, w.since])).toEqual([
      ['resume', undefined, ['operator'], iso(10)],
      ['manual', 'm', ['dba'], iso(0)],
      ['decision', 'h', ['operator'], iso(9)],
    ]);
    expect(snapshot(run, store.state, T0 + 20).status).toBe('paused');
  });

  it('answers with every step in runbook order', () => {
    const s = snapshot(run, stateOf(run), T0);
    expect(s.steps.map((x) => [x.id, x.status])).toEqual([
      ['ok', 'pending'],
      ['m', 'pending'],
      ['h', 'pending'],
    ]);
    expect(s).toMatchObject({ runId: 'run-1', runbookId: 'rb', status: 'running', waitingFor: [] });
  });
});

describe('recoveryClock and runRecord', () => {
  const run = pinned({ objectives: { rto: '10m' }, recovery: { endsAt: 'a' }, steps: [http('a')] });

  it('counts down the RTO while the run is in flight', () => {
    const c = recoveryClock(run, stateOf(run), T0 + 4 * 60_000);
    expect(c).toMatchObject({ targetMs: 600_000, elapsedMs: 240_000, remainingMs: 360_000, breached: false, endsAt: 'a' });
  });

  it('reports a breach once the target has passed without recovery', () => {
    expect(recoveryClock(run, stateOf(run), T0 + 11 * 60_000)).toMatchObject({ breached: true, remainingMs: 0 });
  });

  it('freezes at the achieved time, however long the run goes on', () => {
    const store = new RunStore(stateOf(run));
    store.patchRun({ achievedMs: 120_000 });
    const later = recoveryClock(run, store.state, T0 + 60 * 60_000);
    expect(later).toMatchObject({ elapsedMs: 120_000, achievedMs: 120_000, remainingMs: undefined, breached: false });
  });

  it('measures a finished run to its end, not to now', () => {
    const noRto = pinned({ steps: [http('a')] });
    const store = new RunStore(stateOf(noRto));
    store.patchRun({ status: 'failed', finishedAt: iso(90_000) });
    expect(recoveryClock(noRto, store.state, T0 + 999_999).elapsedMs).toBe(90_000);
  });

  it('records the run with its status and recovery figures', () => {
    const store = new RunStore(stateOf(run));
    store.patchRun({ achievedMs: 700_000, status: 'completed', finishedAt: iso(700_000) });
    expect(runRecord(run, store.state, T0)).toMatchObject({
      runId: 'run-1',
      status: 'completed',
      requester: 'alice',
      recovery: { targetMs: 600_000, achievedMs: 700_000, breached: true, endsAt: 'a' },
    });
  });
});

describe('templateContext and resumeState', () => {
  const run = pinned({ steps: [http('a', { outputs: { n: 'body.n' } }), http('b')] });

  it('shows templates only finished steps, with their outputs', () => {
    const store = new RunStore(stateOf(run));
    store.patchStep('a', { state: { status: 'succeeded', outputs: { n: 3 } } });
    store.patchStep('b', { state: { status: 'running' } });
    expect(templateContext(run, store.state)).toEqual({
      params: { region: 'eu' },
      steps: { a: { status: 'succeeded', outputs: { n: 3 } } },
      run: { id: 'run-1', mode: 'recovery', requester: 'alice' },
    });
  });

  it('carries every step and counter across continue-as-new and restores them', () => {
    const store = new RunStore(stateOf(run));
    store.patchRun({ completions: 1, paused: true, pausedSince: iso(3), achievedMs: 5 });
    store.patchStep('a', { doneOrder: 1, state: { status: 'succeeded', attempts: 2, execution: 2, outputs: { n: 3 } } }); // execution: its idempotency key
    const resume = resumeState(store.state, { timelineSeq: 42, notifications: 7 });
    expect(JSON.parse(JSON.stringify(resume))).toEqual(resume); // plain JSON
    const restored = initialState(
      run.runbook.steps.map((s) => ({ id: s.id, action: s.action })),
      iso(999),
      T0 + 999,
      resume,
    );
    expect(restored).toMatchObject({ startedAt: iso(0), clockStart: T0, paused: true, pausedSince: iso(3), achievedMs: 5, completions: 1, continued: 1 });
    expect(restored.steps.a).toEqual({ doneOrder: 1, state: store.state.steps.a!.state });
    expect(restored.steps.b!.state.status).toBe('pending');
  });
});
