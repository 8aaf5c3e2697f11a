import { loadRunbook, MAX_SOURCE_BYTES } from '../../model/load';
import { validateRunbookObject } from '../../model/validate';
import { WAIT, withSteps, yaml } from './fixtures';

function errorsOf(src: string, opts?: Parameters<typeof loadRunbook>[1]) {
  const result = loadRunbook(src, opts);
  if (result.ok) throw new Error('expected the runbook to be rejected');
  return result.errors;
}

describe('loadRunbook refuses YAML hazards', () => {
  it('rejects aliases with the path and line of each', () => {
    const src = yaml`
      id: t
      title: T
      steps:
        - id: a
          action: http
          with: &req { url: http://localhost }
        - id: b
          action: http
          with: *req
    `;
    expect(errorsOf(src)).toEqual([{ path: 'steps[1].with', line: 9, message: 'YAML aliases (*req) are not supported; write the value out in full' }]);
  });

  it('rejects an alias bomb quickly, without expanding it', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9)
          .fill(`*${'abcdefghi'[i - 1]}`)
          .join(',')}]`,
      );
    const errors = errorsOf(levels.join('\n'));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.message.startsWith('YAML aliases'))).toBe(true);
  });

  it('rejects duplicate keys, naming the key, its path and the line of the repeat', () => {
    const src = withSteps('  - id: a\n    action: wait\n    timeout: 1s\n    with: { duration: 1s }\n    timeout: 2s\n');
    expect(errorsOf(src)).toEqual([{ path: 'steps[0].timeout', line: 8, message: "duplicate key 'timeout': each key may appear only once in a mapping; remove or rename one" }]);
  });

  it('rejects a file over 1 MiB', () => {
    const src = withSteps(WAIT) + `description: "${'x'.repeat(MAX_SOURCE_BYTES)}"\n`;
    expect(errorsOf(src)[0]?.message).toMatch(/^the file is \d+ bytes, over the 1 MiB limit/);
  });

  it('rejects several documents in one file', () => {
    expect(errorsOf(`${withSteps(WAIT)}---\n${withSteps(WAIT)}`)[0]?.message).toBe('the file holds more than one YAML document (---); keep one runbook per file');
  });

  it('rejects unknown tags', () => {
    expect(errorsOf(withSteps(WAIT) + 'description: !shell rm -rf /\n')[0]?.message).toBe('unknown YAML tag; remove the !tag and write a plain value');
  });

  it('rejects binary values', () => {
    expect(errorsOf(withSteps(WAIT) + 'description: !!binary aGVsbG8=\n')).toEqual([{ path: 'description', line: 7, message: expect.stringContaining('not plain data') }]);
  });

  it('rejects infinite numbers', () => {
    expect(errorsOf(withSteps('  - id: a\n    action: http\n    with: { url: http://localhost, json: { n: .inf } }\n'))[0]).toMatchObject({
      path: 'steps[0].with.json.n',
      message: 'the number Infinity is not allowed; use a finite number',
    });
  });

  it('rejects absurd bracket nesting before parsing', () => {
    const n = 100_000;
    expect(errorsOf(`id: t\ntitle: ${'['.repeat(n)}${']'.repeat(n)}\n`)[0]?.message).toBe(`brackets are nested ${n} levels deep; flatten the structure`);
  });

  it('rejects nesting deeper than 64 levels', () => {
    const deep = `${'['.repeat(70)}1${']'.repeat(70)}`;
    const errors = errorsOf(withSteps(`  - id: a\n    action: http\n    with: { url: http://localhost, json: ${deep} }\n`));
    expect(errors[0]?.message).toBe('nested more than 64 levels deep; flatten the structure');
  });

  it('reports a syntax error with its line', () => {
    expect(errorsOf('id: t\ntitle: [unclosed\nsteps: []\n')[0]).toMatchObject({ line: expect.any(Number), message: expect.stringMatching(/^YAML syntax error/) });
  });

  it('rejects keys that are lists or mappings', () => {
    expect(errorsOf(withSteps(WAIT) + 'tags:\n  ? [a, b]\n  : c\n')).toEqual([{ path: 'tags', line: 8, message: 'a key must be plain text, not a list, mapping or alias' }]);
  });

  it('rejects an empty file', () => {
    expect(errorsOf('   \n')).toEqual([{ path: '', line: 1, message: 'the file is empty; a runbook needs at least id, title and steps' }]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(errorsOf('- a\n- b\n')).toEqual([{ path: '', line: 1, message: 'expected a mapping of keys to values, got a list' }]);
  });

  it('keeps a __proto__ key as data and reports it as unknown', () => {
    const errors = errorsOf(withSteps(WAIT) + '__proto__: { polluted: true }\n');
    expect(errors[0]).toMatchObject({ path: '__proto__', line: 7 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not read YAML 1.1 booleans or timestamps', () => {
    const result = loadRunbook(withSteps(WAIT) + 'description: no\nowner: 2001-12-14\n');
    expect(result.ok && [result.runbook.description, result.runbook.owner]).toEqual(['no', '2001-12-14']);
  });

  it('accepts a byte-order mark', () => {
    expect(loadRunbook(`\uFEFF${withSteps(WAIT)}`).ok).toBe(true);
  });
});

describe('loadRunbook reads JSON', () => {
  const json = JSON.stringify({ id: 't', title: 'T', steps: [{ id: 'a', action: 'wait', with: { duration: '0s' } }] }, null, 2);

  it('validates JSON with line numbers', () => {
    expect(errorsOf(json, { format: 'json' })).toEqual([{ path: 'steps[0].with.duration', line: 9, message: "duration '0s' is zero; use a positive duration such as 1s" }]);
  });

  it('chooses JSON from the file name', () => {
    expect(errorsOf('{"id": "t",}', { file: 'x.json' })[0]?.message).toMatch(/^invalid JSON/);
  });

  it('rejects duplicate keys that JSON.parse would silently accept', () => {
    expect(errorsOf('{"id": "t", "id": "u", "title": "T", "steps": []}', { format: 'json' })).toEqual([
      { path: 'id', line: 1, message: "duplicate key 'id': each key may appear only once in a mapping; remove or rename one" },
    ]);
  });

  it('accepts tab-indented JSON', () => {
    const tabbed = JSON.stringify({ id: 't', title: 'T', steps: [{ id: 'a', action: 'wait', with: { duration: '1s' } }] }, null, '\t');
    expect(loadRunbook(tabbed, { format: 'json' }).ok).toBe(true);
  });
});

describe('validateRunbookObject', () => {
  it('validates an already-parsed object without line numbers', () => {
    const result = validateRunbookObject({ id: 't', title: 'T', steps: [{ id: 'a', action: 'wait', with: {} }] });
    expect(result).toEqual({ ok: false, errors: [{ path: 'steps[0].with.duration', message: 'is required (a string)' }] });
  });

  it('rejects values JSON cannot hold', () => {
    const cyclic: Record<string, unknown> = { id: 't', title: 'T', steps: [] };
    cyclic.self = cyclic;
    expect(validateRunbookObject(cyclic).ok).toBe(false);
    expect(validateRunbookObject({ id: 't', title: () => 'T', steps: [] })).toMatchObject({
      ok: false,
      errors: [{ path: 'title', message: expect.stringContaining('holds a function') }],
    });
    expect(validateRunbookObject({ id: 't', title: new Date(0), steps: [] })).toMatchObject({ ok: false, errors: [{ path: 'title' }] });
  });
});
