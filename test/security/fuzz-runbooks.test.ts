import fc from 'fast-check';
import { stringify } from 'yaml';
import { RunbookIssue, type RunbookResult } from '../../model/issue';
import { LOADER_FAILED, loadRunbook } from '../../model/load';
import { Runbook } from '../../model/runbook';
import { VALIDATOR_FAILED, validateRunbookObject } from '../../model/validate';

// 10,000 generated runbooks (LIFEBOAT_FUZZ_RUNBOOKS), valid-shaped and hostile, through the loader and validator:
// none may crash (the catch-all reports count as crashes), every rejection lists issues with a path, and nothing
// may reach Object.prototype.
// A fixed seed by default, so CI explores the same cases each time; LIFEBOAT_FUZZ_SEED=random explores new ones
// (fast-check prints the seed of a failure, and LIFEBOAT_FUZZ_SEED=<that seed> repeats it).
const SEED = process.env.LIFEBOAT_FUZZ_SEED === 'random' ? undefined : Number(process.env.LIFEBOAT_FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.LIFEBOAT_FUZZ_RUNBOOKS ?? 10_000);

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__');
const oddText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u202E', '\u200B', '\uFEFF', 'ＩＤ', 'ǅ', 'a\u0301', '𝔰𝔱𝔢𝔭', '\r\n', '{{ secrets.X }}', '{{', '}}', '${x}', '%s'),
);
const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('id', 'title', 'steps', 'action', 'with', 'needs', 'undo', 'outputs', 'json', 'url') },
  { weight: 2, arbitrary: hostileKey },
  oddText,
);
const anyValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    oddText,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value;

const step = (i: number) =>
  fc.record(
    {
      id: fc.oneof(fc.constant(`s${i}`), oddText, hostileKey),
      action: fc.constantFrom('http', 'check', 'command', 'wait', 'approval', 'manual', 'notify', 'runbook', '__proto__'),
      with: fc.oneof(
        fc.record({ duration: fc.constantFrom('1s', '5m', '-1s', '1e309s') }),
        fc.record({ url: fc.constantFrom('http://localhost/', '{{ params.api }}/x', 'javascript:alert(1)'), json: anyValue, headers: fc.dictionary(key, oddText, { maxKeys: 3 }) }),
        fc.record({ argv: fc.array(oddText, { minLength: 1, maxLength: 3 }), env: fc.dictionary(key, oddText, { maxKeys: 3 }) }),
        fc.record({ approvers: fc.array(oddText, { maxLength: 3 }), quorum: fc.oneof(fc.integer(), fc.double()) }),
        anyValue,
      ),
      needs: fc.array(fc.constantFrom('s0', 's1', 's2', '__proto__'), { maxLength: 2 }),
      extra: anyValue,
    },
    { requiredKeys: ['id', 'action'] },
  );
const shaped = fc
  .record({
    id: fc.oneof(fc.constant('fuzz'), oddText, hostileKey),
    title: oddText,
    steps: fc.tuple(step(0), step(1), step(2)).chain((all) => fc.subarray(all)),
    parameters: fc.dictionary(key, fc.record({ type: fc.constantFrom('string', 'number', 'enum'), default: anyValue }, { requiredKeys: [] }), { maxKeys: 2 }),
    hostile: fc.dictionary(hostileKey, anyValue, { maxKeys: 2 }),
  })
  .map(({ hostile, ...rest }) => ({ ...rest, ...hostile }));

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { n: value };
  return value;
}

/** Texts and objects a hostile author would send: each becomes one or more inputs to the loader and validator. */
type Case = { text?: string; format?: 'json' | 'yaml'; value?: unknown };
const cases: fc.Arbitrary<Case> = fc.oneof(
  { weight: 6, arbitrary: shaped.map((value) => ({ value })) },
  { weight: 3, arbitrary: shaped.map((value) => ({ text: JSON.stringify(value), format: 'json' as const })) },
  // JSON text with __proto__ written as a key: JSON.parse makes it an own property, which must stay inert.
  {
    weight: 3,
    arbitrary: fc
      .tuple(shaped, hostileKey, anyValue)
      .map(([v, k, x]) => ({ text: JSON.stringify(v).replace(/^\{/, `{${JSON.stringify(k)}:${JSON.stringify(x) ?? 'null'},`), format: 'json' as const })),
  },
  { weight: 3, arbitrary: shaped.map((value) => ({ text: stringify(value), format: 'yaml' as const })) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 30, max: 400 }), fc.boolean()).map(([depth, asArray]) => ({ value: { id: 'deep', title: 'T', steps: [], x: nest(depth, 1, asArray) } })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 30, max: 3000 }), fc.boolean(), fc.constantFrom<'json' | 'yaml'>('json', 'yaml')).map(([depth, asArray, format]) => ({
      text: `{"id":"deep","title":"T","steps":[],"x":${asArray ? '['.repeat(depth) : '{"n":'.repeat(depth)}1${(asArray ? ']' : '}').repeat(depth)}}`,
      format,
    })),
  },
  // Anchors and aliases: a "billion laughs" bomb, merge keys and aliases used as keys.
  {
    weight: 2,
    arbitrary: fc.integer({ min: 2, max: 12 }).map((levels) => {
      const lines = ['id: bomb', 'title: T', 'steps: []', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < levels; i++)
        lines.push(
          `a${i}: &a${i} [${Array(9)
            .fill(`*a${i - 1}`)
            .join(',')}]`,
        );
      lines.push(`b: { <<: *a0, *a${levels - 1} : x }`);
      return { text: lines.join('\n'), format: 'yaml' as const };
    }),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }).map((text) => ({ text, format: 'yaml' as const })) },
);

// Large inputs cost tens to hundreds of milliseconds each, so they get runs of their own (LIFEBOAT_FUZZ_LARGE).
const LARGE_RUNS = Number(process.env.LIFEBOAT_FUZZ_LARGE ?? 20);
const largeCases: fc.Arbitrary<Case> = fc.oneof(
  // Huge strings, up to the 1 MiB limit and just past it.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 100_000, max: 1_100_000 }), fc.constantFrom('x', 'é', '𝔰', '{{ ', '\\'), fc.constantFrom<'json' | 'yaml'>('json', 'yaml'))
      .map(([size, unit, format]) => {
        const big = unit.repeat(Math.ceil(size / Buffer.byteLength(unit)));
        return { text: JSON.stringify({ id: 'huge', title: big, steps: [{ id: 'a', action: 'wait', with: { duration: big } }] }), format };
      }),
  },
  // Many keys or items, repeated or not.
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 1000, max: 40_000 }), fc.boolean(), fc.constantFrom<'json' | 'yaml'>('json', 'yaml')).map(([n, repeat, format]) => {
      const keys = Array.from({ length: n }, (_, i) => `"${repeat ? 'k' : `k${i}`}":1`).join(',');
      return { text: `{"id":"wide","title":"T","steps":[{"id":"a","action":"http","with":{"url":"http://localhost/","json":{${keys}}}}]}`, format };
    }),
  },
);

function verdict(result: RunbookResult): string | undefined {
  if (result.ok) return Runbook.safeParse(result.runbook).success && /^[0-9a-f]{64}$/.test(result.hash) ? undefined : 'an accepted runbook does not parse as one';
  if (result.errors.length === 0) return 'a rejection lists no issues';
  for (const issue of result.errors) {
    if (!RunbookIssue.safeParse(issue).success || typeof issue.path !== 'string') return `an issue is malformed: ${JSON.stringify(issue).slice(0, 200)}`;
    if (issue.message.startsWith(VALIDATOR_FAILED) || issue.message.startsWith(LOADER_FAILED)) return `the loader or validator crashed: ${issue.message.slice(0, 300)}`;
  }
  return undefined;
}

function check(c: Case): void {
  const results = c.text === undefined ? [validateRunbookObject(c.value)] : [loadRunbook(c.text, { format: c.format })];
  if (c.value !== undefined) results.push(loadRunbook(JSON.stringify(c.value) ?? '', { format: 'json' }));
  for (const result of results) {
    const problem = verdict(result);
    if (problem !== undefined) throw new Error(problem);
  }
  const probe: Record<string, unknown> = {};
  if (Object.keys(Object.prototype).length > 0 || probe.n !== undefined || probe.polluted !== undefined) throw new Error('Object.prototype was modified');
}

describe('fuzzing the runbook loader and validator', () => {
  it(`survives ${RUNS} generated runbooks, hostile ones included: no crash, every rejection a structured issue with a path`, () => {
    fc.assert(fc.property(cases, check), { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 150_000 });
  }, 180_000);

  it(`survives ${LARGE_RUNS} large ones: strings up to and past 1 MiB, up to 40k keys, repeated or not`, () => {
    fc.assert(fc.property(largeCases, check), { seed: SEED, numRuns: LARGE_RUNS, interruptAfterTimeLimit: 100_000 });
  }, 120_000);
});
