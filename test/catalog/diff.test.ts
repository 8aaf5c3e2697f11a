import fc from 'fast-check';
import { diffLines } from '../../catalog/diff';

// A fixed seed by default; LIFEBOAT_FUZZ_SEED=random explores new cases (fast-check prints the seed of a failure, and
// LIFEBOAT_FUZZ_SEED=<that seed> repeats it). LIFEBOAT_FUZZ_DIFF=<n> runs the property n times as often.
const FUZZ_SEED = process.env.LIFEBOAT_FUZZ_SEED === 'random' ? undefined : Number(process.env.LIFEBOAT_FUZZ_SEED ?? 20261202);
const SCALE = Number(process.env.LIFEBOAT_FUZZ_DIFF ?? 1);

// The longest common subsequence by dynamic programming: the length a shortest edit script keeps unchanged.
function lcs(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = x === b[j - 1] ? diag + 1 : Math.max(row[j]!, row[j - 1]!);
      diag = up;
    }
  }
  return row[b.length]!;
}

const text = fc.array(fc.constantFrom('a', 'b', 'c', 'steps:', '  - id: x', ''), { maxLength: 30 }).map((ls) => ls.join('\n'));
// A final newline ends the last line; it is not a line of its own.
const lines = (t: string) => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));

describe('diffLines', () => {
  it('marks an inserted and a removed line and numbers each line on its side', () => {
    expect(diffLines('id: a\ntitle: A\nsteps: []\n', 'id: a\nsteps: []\nowner: ops\n')).toEqual([
      { op: 'same', text: 'id: a', from: 1, to: 1 },
      { op: 'removed', text: 'title: A', from: 2 },
      { op: 'same', text: 'steps: []', from: 3, to: 2 },
      { op: 'added', text: 'owner: ops', to: 3 },
    ]);
  });

  it('keeps every line of both texts, in order, and changes no more lines than a shortest edit needs', () => {
    fc.assert(
      fc.property(text, text, (before, after) => {
        const d = diffLines(before, after);
        expect(d.filter((l) => l.op !== 'added').map((l) => l.text)).toEqual(lines(before));
        expect(d.filter((l) => l.op !== 'removed').map((l) => l.text)).toEqual(lines(after));
        expect(d.filter((l) => l.op === 'same').length).toBe(lcs(lines(before), lines(after)));
      }),
      { seed: FUZZ_SEED, numRuns: 500 * SCALE },
    );
  });

  it('answers a complete rewrite of a large text as removed then added lines, without searching for a shortest edit', () => {
    const before = Array.from({ length: 20_000 }, (_, i) => `old ${i}`).join('\n');
    const after = Array.from({ length: 20_000 }, (_, i) => `new ${i}`).join('\n');
    const d = diffLines(before, after);
    expect(d.filter((l) => l.op === 'removed')).toHaveLength(20_000);
    expect(d.filter((l) => l.op === 'added')).toHaveLength(20_000);
  });
});
