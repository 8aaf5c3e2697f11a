import { durationProblem, formatDuration, MAX_DURATION_MS, parseDuration } from '../../model/duration';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['4h', 14_400_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2d', 172_800_000],
    ['1m30s', 90_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['0s', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', 's', '1.5h', '30m1h', '1h 30m', '-5s', '5 s', '1mm', '10sec', '1H', 'ms'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('durationProblem', () => {
  it('accepts a positive duration up to 30 days', () => {
    expect(durationProblem('30d')).toBeUndefined();
    expect(durationProblem('1ms')).toBeUndefined();
  });

  it('explains a zero duration', () => {
    expect(durationProblem('0s')).toMatch(/is zero; use a positive duration/);
  });

  it('explains a duration over 30 days', () => {
    expect(durationProblem('31d')).toMatch(/longer than 30 days/);
    expect(durationProblem('721h')).toMatch(/longer than 30 days/);
  });

  it('shows what a duration looks like when the syntax is wrong', () => {
    expect(durationProblem('5 minutes')).toMatch(/'5 minutes' is not a duration; write a number and unit such as 30s, 15m/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1_500, '1s500ms'],
    [5_400_000, '1h30m'],
    [MAX_DURATION_MS, '30d'],
    [-60_000, '-1m'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 61_001, 3_600_000, 90_061_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
