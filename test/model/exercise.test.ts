import { cadenceMs } from '../../model/exercise';
import { validateRunbookObject } from '../../model/validate';

const steps = [
  { id: 'probe', action: 'http', with: { url: 'https://example.com' }, outputs: { lag: 'body.lag' } },
  { id: 'done', action: 'wait', with: { duration: '1s' }, needs: ['probe'] },
];
const errorsOf = (extra: Record<string, unknown>) => {
  const result = validateRunbookObject({ id: 'drill-def', title: 'Drill definition', steps, ...extra });
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('the drill definition (scenario, successCriteria, objectives.rpoFrom, drill.every)', () => {
  it('accepts a full drill definition', () => {
    expect(
      errorsOf({
        scenario: 'The primary is lost.',
        objectives: { rto: '5m', rpo: '1m', rpoFrom: 'steps.probe.outputs.lag' },
        successCriteria: [
          { statement: 'the probe answers', step: 'probe' },
          { statement: 'the probe did not fail', step: 'probe', outcome: ['succeeded', 'simulated'] },
          { statement: 'lag is small', condition: 'steps.probe.outputs.lag < 5' },
          { statement: 'people were calm' },
        ],
        drill: { every: '90d' },
      }),
    ).toEqual([]);
  });

  it('names the path of every mistake', () => {
    expect(
      errorsOf({
        objectives: { rpoFrom: 'steps.nope.outputs.lag' },
        successCriteria: [
          { statement: 'x', step: 'prob' },
          { statement: 'y', condition: 'steps.probe.outputs.missing > 1' },
          { statement: 'z', condition: 'steps.probe.outputs.lag <' },
          { statement: 'w', step: 'probe', condition: 'steps.probe.status == "succeeded"' },
          { statement: 'v', outcome: ['succeeded'] },
          { statement: '' },
          { statement: 'u', step: 'probe', outcome: ['won'] },
        ],
        drill: { every: '3 months' },
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^successCriteria\[0\]\.step: unknown step 'prob'/),
        expect.stringMatching(/^successCriteria\[1\]\.condition: step probe declares no output 'missing'/),
        expect.stringMatching(/^successCriteria\[2\]\.condition: /),
        'successCriteria[3]: give either step (with outcome) or condition, not both',
        expect.stringMatching(/^successCriteria\[4\]\.outcome: outcome needs step/),
        expect.stringMatching(/^successCriteria\[5\]\.statement: /),
        expect.stringMatching(/^successCriteria\[6\]\.outcome\[0\]: /),
        'drill.every: expected a cadence in days or weeks such as 90d or 12w',
        expect.stringMatching(/^objectives\.rpoFrom: rpoFrom measures the RPO: set objectives\.rpo/),
        expect.stringMatching(/^objectives\.rpoFrom: unknown step 'nope'/),
      ]),
    );
  });

  it('refuses an rpoFrom that is not a step output', () => {
    expect(errorsOf({ objectives: { rpo: '1m', rpoFrom: 'params.lag' } })).toEqual(['objectives.rpoFrom: expected a step output such as steps.verify.outputs.dataLoss']);
  });

  it('reads cadences in days and weeks', () => {
    expect(cadenceMs('90d')).toBe(90 * 86_400_000);
    expect(cadenceMs('2w')).toBe(14 * 86_400_000);
  });
});
