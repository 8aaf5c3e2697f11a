import { planRunbook } from '../../model/plan';
import { Runbook } from '../../model/runbook';

type StepSpec = { id: string; needs?: string[]; expected?: string; timeout?: string; drill?: 'run' | 'skip' | 'simulate'; action?: 'http' | 'wait' | 'manual' };

function runbook(steps: StepSpec[], extra: Partial<Pick<Runbook, 'objectives' | 'recovery'>> = {}): Runbook {
  return Runbook.parse({
    id: 'plan-test',
    title: 'Plan test',
    ...extra,
    steps: steps.map(({ action = 'http', ...step }) => ({
      ...step,
      action,
      with: action === 'wait' ? { duration: '5m' } : action === 'manual' ? { instructions: 'Do it' } : { url: 'http://localhost' },
    })),
  });
}

// a(10m) ─┬─ b(20m) ─┬─ d(5m)
//         └─ c(30m) ─┘
const diamond: StepSpec[] = [
  { id: 'a', expected: '10m' },
  { id: 'b', needs: ['a'], expected: '20m' },
  { id: 'c', needs: ['a'], expected: '30m' },
  { id: 'd', needs: ['b', 'c'], expected: '5m' },
];

describe('planRunbook', () => {
  it('layers a diamond into stages and follows the longest branch', () => {
    const plan = planRunbook(runbook(diamond), { mode: 'recovery' });
    expect(plan.stages).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(plan.criticalPath).toEqual(['a', 'c', 'd']);
    expect(plan.predictedMs).toBe(45 * 60_000);
    expect(plan.steps.find((s) => s.id === 'd')).toEqual({
      id: 'd',
      action: 'http',
      stage: 2,
      expectedMs: 5 * 60_000,
      basis: 'expected',
      drill: 'run',
      earliestStartMs: 40 * 60_000,
      earliestFinishMs: 45 * 60_000,
    });
  });

  it('places a step by its deepest need, not its first', () => {
    const plan = planRunbook(runbook([{ id: 'a' }, { id: 'b', needs: ['a'] }, { id: 'c', needs: ['a', 'b'] }, { id: 'lone' }]), { mode: 'recovery' });
    expect(plan.stages).toEqual([['a', 'lone'], ['b'], ['c']]);
  });

  it('falls back from expected to timeout to the action default', () => {
    const plan = planRunbook(
      runbook([{ id: 'e', expected: '1m', timeout: '9m' }, { id: 't', timeout: '9m' }, { id: 'd' }, { id: 'w', action: 'wait', timeout: '1h' }, { id: 'm', action: 'manual' }]),
      { mode: 'recovery' },
    );
    expect(plan.steps.map((s) => [s.id, s.basis, s.expectedMs])).toEqual([
      ['e', 'expected', 60_000],
      ['t', 'timeout', 540_000],
      ['d', 'default', 10_000],
      ['w', 'default', 300_000],
      ['m', 'default', 1_800_000],
    ]);
    expect(plan.warnings).toEqual(['d (http), m (manual) have neither expected nor timeout; the plan assumes action defaults, so set expected for a better estimate']);
  });

  it('measures recovery to recovery.endsAt when it is set', () => {
    const plan = planRunbook(runbook(diamond, { recovery: { endsAt: 'b' } }), { mode: 'recovery' });
    expect(plan.criticalPath).toEqual(['a', 'b']);
    expect(plan.predictedMs).toBe(30 * 60_000);
    expect(plan.totalMs).toBe(45 * 60_000);
  });

  it('warns when the prediction exceeds the RTO', () => {
    const plan = planRunbook(runbook(diamond, { objectives: { rto: '40m' } }), { mode: 'recovery' });
    expect(plan.rtoMs).toBe(40 * 60_000);
    expect(plan.meetsRto).toBe(false);
    expect(plan.warnings).toEqual(['predicted recovery time 45m exceeds the RTO of 40m by 5m; shorten the critical path a → c → d or run more steps in parallel']);
  });

  it('meets an RTO equal to the prediction', () => {
    const plan = planRunbook(runbook(diamond, { objectives: { rto: '45m' } }), { mode: 'recovery' });
    expect(plan.meetsRto).toBe(true);
    expect(plan.warnings).toEqual([]);
  });

  it('counts skipped and simulated steps as instant in drills only', () => {
    const steps: StepSpec[] = [
      { id: 'a', expected: '10m' },
      { id: 'b', needs: ['a'], expected: '20m', drill: 'simulate' },
      { id: 'c', needs: ['b'], expected: '5m', drill: 'skip' },
    ];
    expect(planRunbook(runbook(steps), { mode: 'recovery' }).predictedMs).toBe(35 * 60_000);
    const drill = planRunbook(runbook(steps), { mode: 'drill' });
    expect(drill.predictedMs).toBe(10 * 60_000);
    expect(drill.steps.map((s) => s.drill)).toEqual(['run', 'simulate', 'skip']);
  });

  it('plans a 5,000-step chain', () => {
    const steps = Array.from({ length: 5000 }, (_, i): StepSpec => ({ id: `s${i}`, expected: '1s', needs: i === 0 ? undefined : [`s${i - 1}`] }));
    const plan = planRunbook(runbook(steps), { mode: 'recovery' });
    expect(plan.stages).toHaveLength(5000);
    expect(plan.criticalPath).toHaveLength(5000);
    expect(plan.predictedMs).toBe(5_000_000);
  });
});
