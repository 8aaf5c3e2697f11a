import fc from 'fast-check';
import { jsonBytes, outputsProblem, selectPaths, STEP_OUTPUTS_BYTES } from '../../runs/outputs';
import { valueAt } from '../../runs/values';

// What a step keeps of its result is a copy holding only its outputs' paths (runs/outputs.ts): every output must
// read the same from the copy as from the whole result, whatever the result's shape and whatever the paths name.

/** Every dotted path into a JSON value, as valueAt reads them (array indexes and `length` included). */
function pathsOf(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  const keys = Array.isArray(value) ? [...value.keys()].map(String).concat('length') : Object.keys(value);
  // A key that is empty or holds a dot is not a path valueAt can follow: left out.
  return keys
    .filter((k) => k.length > 0 && !k.includes('.'))
    .flatMap((k) => {
      const p = prefix ? `${prefix}.${k}` : k;
      return [p, ...pathsOf((value as Record<string, unknown>)[k], p)];
    });
}

const key = fc.constantFrom('a', 'b', 'body', 'items', '0', '1', 'length', '__proto__', 'constructor', 'toString', '');
const json = fc.jsonValue({ maxDepth: 4 }).chain((v) =>
  // Objects with keys JSON.parse makes own properties though plain assignment would not (`__proto__`).
  fc.constant(JSON.parse(JSON.stringify({ body: v, headers: { 'content-type': 'application/json' }, status: 200 })) as unknown),
);
const withProto = fc.tuple(key, fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => JSON.parse(`{"body":{${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}}}`) as unknown);
const result = fc.oneof(json, withProto);

describe('what a step keeps of its result', () => {
  it('reads every output from the copy as from the whole result', () => {
    fc.assert(
      fc.property(
        result.chain((r) => {
          const real = pathsOf(r);
          const made = fc.array(key, { minLength: 1, maxLength: 4 }).map((ks) => ks.join('.'));
          return fc.tuple(fc.constant(r), fc.array(real.length > 0 ? fc.oneof(fc.constantFrom(...real), made) : made, { maxLength: 6 }));
        }),
        ([r, paths]) => {
          const copy = JSON.parse(JSON.stringify(selectPaths(r, paths)) ?? 'null') as unknown;
          for (const p of paths) expect([p, valueAt(copy, p)]).toEqual([p, valueAt(r, p)]);
          // No more than the outputs themselves and the keys that lead to them.
          const bound = paths.reduce((n, p) => n + jsonBytes(valueAt(r, p)) + p.split('.').reduce((m, k) => m + jsonBytes(k) + 4, 0), 2);
          expect(jsonBytes(copy)).toBeLessThanOrEqual(bound);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps nothing of a result when the step names no outputs', () => {
    expect(selectPaths({ status: 200, body: 'x'.repeat(10_000) }, [])).toEqual({});
  });

  it('keeps a key JSON made an own property, never the prototype', () => {
    const r = JSON.parse('{"body":{"__proto__":{"admin":true}}}') as unknown;
    const copy = selectPaths(r, ['body.__proto__.admin']);
    expect(valueAt(copy, 'body.__proto__.admin')).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(JSON.stringify(copy)).toBe('{"body":{"__proto__":{"admin":true}}}');
  });

  it('counts the UTF-8 bytes of the JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'grapheme' }), (v, s) => {
        expect(jsonBytes(v)).toBe(Buffer.byteLength(JSON.stringify(v)));
        expect(jsonBytes(s)).toBe(Buffer.byteLength(JSON.stringify(s)));
      }),
      { numRuns: 1000 },
    );
    expect(jsonBytes(undefined)).toBe(0);
  });

  it('names each output with its size when a step would keep too much', () => {
    const problem = outputsProblem({ small: 'ok', data: 'x'.repeat(STEP_OUTPUTS_BYTES) });
    expect(problem).toMatch(/^its outputs hold 64 KiB \(data 64 KiB, small 4 bytes\), over the 64 KiB a step may keep/);
    expect(outputsProblem({ data: 'x'.repeat(STEP_OUTPUTS_BYTES - 20) })).toBeUndefined();
  });
});
