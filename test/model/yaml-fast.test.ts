import fc from 'fast-check';
import { dump } from 'js-yaml';
import { stringify, type ToStringOptions } from 'yaml';
import { RunbookResult } from '../../model/issue';
import { loadRunbook } from '../../model/load';
import { validateDocument } from '../../model/validate';
import { readYamlFast } from '../../model/yaml-fast';
import { lineAt, parseYaml } from '../../model/yaml-source';

// The loader reads YAML twice over: js-yaml's fast read for the value, and the positional parse (the yaml package,
// which knows every node's line) only when it has to. These properties hold the fast read to the positional one.

// LIFEBOAT_FUZZ_YAML=<n> runs every property n times as often (1 in the suite).
const SCALE = Number(process.env.LIFEBOAT_FUZZ_YAML ?? 1);

/** What loading YAML did before the fast read: the positional parse alone (after loadRunbook's checks of the text). */
function positionalLoad(text: string): RunbookResult {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (source.trim() === '') return loadRunbook(text);
  const yaml = parseYaml(source);
  if (yaml.errors.length > 0) return { ok: false, errors: yaml.errors };
  return validateDocument(yaml.source.doc.toJS(), (at) => lineAt(yaml.source, at));
}

/** The fast read may decline; when it answers, the positional parse accepts the text and reads the same value. */
function agrees(text: string): boolean {
  const fast = readYamlFast(text);
  if (fast === undefined) return true;
  const positional = parseYaml(text);
  expect(positional.errors).toEqual([]);
  expect(fast.value).toEqual(positional.source.doc.toJS());
  return true;
}

// Keys and strings YAML reads in more than one way: core-schema look-alikes, YAML 1.1 words, indicators, merge keys.
const tricky = fc.constantFrom(
  'null',
  '~',
  'Null',
  'true',
  'False',
  'yes',
  'no',
  'on',
  '<<',
  '__proto__',
  '1',
  '-1',
  '+1',
  '1.0',
  '.5',
  '1e3',
  '0x1F',
  '0o17',
  '012',
  '0b101',
  '1_000',
  '.inf',
  '-.Inf',
  '.nan',
  '',
  ' lead',
  'trail ',
  'a: b',
  'a:b',
  '- x',
  '? q',
  '# c',
  'x #c',
  '&a',
  '*a',
  '!t',
  '!!str',
  '%YAML',
  '---',
  '...',
  '"q"',
  "'q'",
  '[a]',
  '{a: 1}',
  'multi\nline',
  'a\n\n b',
  '\ttab',
  'ünï©ødé',
  'a\\b',
  '{{ params.x }}',
  'x'.repeat(1100),
);
const key = fc.oneof(tricky, fc.string({ maxLength: 8 }), fc.constantFrom('id', 'title', 'steps', 'action', 'with', 'duration'));
const scalar = fc.oneof(tricky, fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 10 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(key, tie('tree'), { maxKeys: 4 })),
}));
const wait = fc.record({ id: fc.constantFrom('a', 'b', 'c'), action: fc.constant('wait'), with: fc.record({ duration: fc.constantFrom('1s', '5m', '0s', 'soon') }) });
const runbook = fc.record({
  id: fc.constantFrom('t', 'Bad Id'),
  title: scalar,
  steps: fc.array(
    fc.oneof(
      wait,
      fc.tuple(wait, fc.dictionary(key, tree, { maxKeys: 3 })).map(([w, extra]) => ({ ...extra, ...w })),
    ),
    { minLength: 1, maxLength: 4 },
  ),
  extra: fc.dictionary(key, tree, { maxKeys: 3 }),
});
const document = fc.oneof(runbook, tree);

// The ways people (and tools) write YAML: both libraries' writers, each in several styles.
const yamlOptions: fc.Arbitrary<ToStringOptions> = fc.record(
  {
    indent: fc.constantFrom(2, 4),
    indentSeq: fc.boolean(),
    collectionStyle: fc.constantFrom('any', 'block', 'flow'),
    defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
    defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE'),
    lineWidth: fc.constantFrom(0, 20, 80),
    minContentWidth: fc.constantFrom(0, 20),
    flowCollectionPadding: fc.boolean(),
  },
  { requiredKeys: [] },
);
const written = fc.oneof(
  fc.tuple(document, yamlOptions).map(([value, options]) => stringify(value, options)),
  fc
    .tuple(
      document,
      fc.record({ flowLevel: fc.constantFrom(-1, 0, 1, 2), lineWidth: fc.constantFrom(-1, 20, 80), quotingType: fc.constantFrom<'"' | "'">('"', "'"), forceQuotes: fc.boolean() }),
    )
    .map(([value, options]) => dump(value, options)),
);

// Small edits that break or bend the text, as a hostile or clumsy author would.
const soup = fc.constantFrom(
  '- ',
  ': ',
  ':',
  '&a ',
  '*a',
  '[',
  ']',
  '{',
  '}',
  ',',
  '!!binary ',
  '!x ',
  '! ',
  '\n',
  '  ',
  '\t',
  '"',
  "'",
  '|\n',
  '>-\n',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '# c',
  '? ',
  '<<: ',
  'null: ',
  '~: ',
  '\r\n',
  '\u00a0',
  '\ufeff',
  '\u0001',
  'x'.repeat(1030) + ': ',
);
const edited = fc.tuple(written, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), soup), { minLength: 1, maxLength: 3 })).map(([text, edits]) =>
  edits.reduce((t, [at, cut, insert]) => {
    const i = t.length === 0 ? 0 : at % t.length;
    return t.slice(0, i) + insert + t.slice(i + cut);
  }, text),
);

describe('the fast YAML read', () => {
  it('reads written YAML as the positional parse does, or leaves it to it', () => {
    fc.assert(fc.property(written, agrees), { numRuns: 800 * SCALE });
  });

  it('reads edited YAML as the positional parse does, or leaves it to it', () => {
    fc.assert(fc.property(edited, agrees), { numRuns: 2000 * SCALE });
  });

  it('loads random runbooks with the same verdict, errors, paths and lines as the positional parse alone', () => {
    fc.assert(
      fc.property(fc.oneof(written, edited), (text) => expect(loadRunbook(text)).toEqual(positionalLoad(text))),
      { numRuns: 400 * SCALE },
    );
  });

  it('takes the fast read for the YAML people write', () => {
    // Not vacuous: block-style runbooks with plain keys are read fast, not all left to the positional parse.
    const plain = fc.tuple(runbook, fc.constantFrom<ToStringOptions>({}, { indentSeq: false }, { defaultStringType: 'QUOTE_DOUBLE' })).map(([v, o]) => stringify(v, o));
    let fast = 0;
    fc.assert(
      fc.property(plain, (text) => {
        if (readYamlFast(text) !== undefined) fast++;
      }),
      { numRuns: 200 },
    );
    expect(fast).toBeGreaterThan(100);
  });

  it('leaves to the positional parse what only it refuses', () => {
    const cases = [
      'a: &x 1\nb: *x\n', // aliases
      'a: !!str 1\n', // explicit tags
      'a: ! 1\n',
      '%YAML 1.1\n---\na: no\n', // directives change the schema
      '[a, b]: 1\n', // keys that are collections
      'null: 1\n', // a null key is '' to the positional parse
      '? \n', // explicit keys
      '? [a]\n: 1\n',
      `${'k'.repeat(1100)}: 1\n`, // implicit keys past 1024 characters
      `k${' '.repeat(1100)}: 1\n`,
      'a: [1,\n2]\n', // flow collections whose lines the positional parse checks for indentation
      'a: 1\na: 2\n', // duplicate keys
      'a: "x"#c\n', // a comment glued to a value
      'a: b\r- c\n', // a carriage return alone
      '|1-\n lead\n', // a block scalar's indentation indicator
      'a: { {}, null }\n', // keys in a flow mapping without a value
      '- - x\n  - # c\n- y\n', // an empty sequence entry (js-yaml read y into the inner sequence)
      '---\u00a0\nnull\n', // a document marker run into other text
      '---  fnull: alse\n', // a block mapping on a document marker's line (found by CI's seed -15730330)
      ' |\n# c]\n', // an indented block scalar at the top: '# c]' is its text, not a comment (seed -1701063799)
      '!...\n|\n ', // a tag on the line before its block scalar: js-yaml dropped the tag (seed -1348203922)
      'a: !x\n  |\n  b\n', // the same, nested
      'a: "x\\\n\n  y"\n', // an escaped line break then an empty line: 'x y', js-yaml read 'xy' (seed 701765367, reduced)
      'a: "x\\\n  \n  y"\n',
    ];
    for (const text of cases) expect([text, readYamlFast(text)]).toEqual([text, undefined]);
  });

  it('refuses an unknown tag on the line before its block scalar, which js-yaml drops', () => {
    const text = 'id: t\ntitle: !secret\n  |\n  T\nsteps:\n  - id: a\n    action: wait\n    with: { duration: 1s }\n';
    expect(loadRunbook(text)).toEqual({ ok: false, errors: [expect.objectContaining({ line: 2, message: expect.stringContaining('unknown YAML tag') })] });
  });
});
