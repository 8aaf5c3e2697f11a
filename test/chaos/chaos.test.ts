// The fault-injection suite, bounded for `npm test`: the same driver as `npm run chaos`, at a size that covers every
// fault kind (worker, API, Temporal and FerretDB SIGKILLed, FerretDB frozen) in a few minutes. CHAOS_SEED repeats one.
import { formatResult, runChaos } from './driver';
import { FAULT_KINDS } from './plan';

jest.setTimeout(900_000);

describe('the fault-injection suite, bounded', () => {
  it('completes every run with each side effect under one key and a whole timeline, while every kind of process is killed', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const result = await runChaos({ runs: 4, steps: 20, kills: 5, stops: 1, workers: 2, seed, settleMs: 240_000, log: () => undefined });
    console.log(formatResult(result));
    expect(new Set(result.faults.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    expect(result.outcomes.map((o) => o.status)).toEqual(result.outcomes.map(() => 'completed'));
    expect({ seed, violations: result.violations }).toEqual({ seed, violations: [] });
  });
});
