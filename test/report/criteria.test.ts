import { judgeCriteria, measureRpo, type Observations } from '../../report/criteria';

const seen: Observations = {
  ended: true,
  steps: { probe: { status: 'succeeded', outputs: { lag: 4, stamp: '2026-11-24T09:58:00.000Z', text: '90s' } }, fence: { status: 'simulated' }, dns: { status: 'skipped' } },
  params: {},
  run: { id: 'r1', mode: 'drill', requester: 'alice' },
};

describe('success criteria verdicts', () => {
  it('meets, misses or cannot evaluate each criterion, saying why', () => {
    const verdicts = judgeCriteria(
      [
        { statement: 'probe ok', step: 'probe' },
        { statement: 'fence done', step: 'fence' },
        { statement: 'fence rehearsed', step: 'fence', outcome: ['succeeded', 'simulated'] },
        { statement: 'never ran', step: 'gone' },
        { statement: 'lag small', condition: 'steps.probe.outputs.lag < 5' },
        { statement: 'lag tiny', condition: 'steps.probe.outputs.lag < 1' },
        { statement: 'dns output', condition: 'steps.dns.outputs.ttl < 60' },
        { statement: 'people calm' },
      ],
      seen,
    );
    expect(verdicts.map((v) => [v.statement, v.verdict])).toEqual([
      ['probe ok', 'met'],
      ['fence done', 'not-met'],
      ['fence rehearsed', 'met'],
      ['never ran', 'not-met'],
      ['lag small', 'met'],
      ['lag tiny', 'not-met'],
      ['dns output', 'not-evaluated'],
      ['people calm', 'not-evaluated'],
    ]);
    expect(verdicts[1]!.reason).toBe('step fence ended simulated; needed succeeded');
    expect(verdicts[6]!.reason).toContain('steps.dns.outputs.ttl');
  });

  it('evaluates nothing before the run ends', () => {
    expect(judgeCriteria([{ statement: 'probe ok', step: 'probe' }], { ...seen, ended: false })[0]).toMatchObject({ verdict: 'not-evaluated', reason: 'the run has not ended' });
  });
});

describe('the RPO achieved', () => {
  const at = '2026-11-24T10:00:00.000Z';
  it('reads seconds, durations and the time of the last data recovered', () => {
    expect(measureRpo({ targetMs: 60_000, from: 'steps.probe.outputs.lag', seen, disasterAt: at })).toEqual({
      targetMs: 60_000,
      achievedMs: 4000,
      marginMs: 56_000,
      met: true,
      from: 'steps.probe.outputs.lag',
    });
    expect(measureRpo({ targetMs: 60_000, from: 'steps.probe.outputs.text', seen, disasterAt: at })).toMatchObject({ achievedMs: 90_000, marginMs: -30_000, met: false });
    expect(measureRpo({ targetMs: 60_000, from: 'steps.probe.outputs.stamp', seen, disasterAt: at })).toMatchObject({ achievedMs: 120_000, met: false });
  });

  it('says why it could not be measured', () => {
    expect(measureRpo({ targetMs: 60_000, from: 'steps.dns.outputs.lag', seen, disasterAt: at }).note).toContain('was not recorded');
    expect(measureRpo({ targetMs: 60_000, seen, disasterAt: at }).note).toContain('rpoFrom is not set');
  });
});
