import { z } from 'zod';
import { describe } from './compare';
import { DocPath, Problem } from './issue';
import { Runbook } from './runbook';
import { didYouMean, suggester } from './suggest';

type RawIssue = z.core.$ZodRawIssue;

/** Parses with the Runbook schema; every zod issue becomes a Problem whose message says what to write instead. */
export function schemaProblems(data: unknown): { runbook: Runbook; problems: [] } | { runbook: undefined; problems: Problem[] } {
  // Schema-level messages (durations, ids, URLs) win over this map; it words only zod's generic issues.
  const knownKeys = new Map<object, string[]>();
  const result = Runbook.safeParse(data, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys' && issue.inst instanceof z.ZodObject && isObject(issue.input)) {
        knownKeys.set(issue.input, Object.keys(issue.inst.shape));
      }
      return genericMessage(issue);
    },
  });
  if (result.success) return { runbook: result.data, problems: [] };
  const problems = result.error.issues.flatMap((issue): Problem[] => {
    const at = docPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(data, at, knownKeys);
      // One suggester (and work budget) for all of a mapping's unknown keys: 40k of them stay cheap.
      const suggest = suggester(known ?? []);
      return issue.keys.map((key) => ({ at: [...at, key], message: unknownKeyMessage(key, known, suggest) }));
    }
    if (issue.code === 'invalid_key') {
      const inner = issue.issues[0]?.message ?? 'is not allowed';
      return [{ at, message: `is not a valid key: ${inner}` }];
    }
    return [{ at, message: issue.message }];
  });
  return { runbook: undefined, problems };
}

function genericMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `is required (${expectedText(issue.expected)})`;
      return `expected ${expectedText(issue.expected)}, got ${kindOf(issue.input)}`;
    case 'too_small':
      return sizeMessage('at least', issue.origin, Number(issue.minimum), issue.inclusive !== false);
    case 'too_big':
      return sizeMessage('at most', issue.origin, Number(issue.maximum), issue.inclusive !== false);
    case 'invalid_value': {
      const options = issue.values.map(String);
      if (issue.input === undefined) return `is required (one of ${options.join(', ')})`;
      const hint = typeof issue.input === 'string' ? didYouMean(issue.input, options) : '';
      return `expected one of ${options.join(', ')}, got ${describe(issue.input)}${hint}`;
    }
    case 'invalid_union':
      return unionMessage(issue);
    default:
      return undefined;
  }
}

function unionMessage(issue: Extract<RawIssue, { code: 'invalid_union' }>): string {
  const options = 'options' in issue && Array.isArray(issue.options) ? issue.options.map(String) : [];
  if (issue.discriminator === undefined || options.length === 0) return 'does not match any of the allowed forms';
  const list = options.join(', ');
  // The issue's input is the whole object; the offending value is its discriminator field.
  const value: unknown = isObject(issue.input) ? Reflect.get(issue.input, issue.discriminator) : undefined;
  if (value === undefined) return `is required: set ${issue.discriminator} to one of ${list}`;
  const hint = typeof value === 'string' ? didYouMean(value, options) : '';
  return `unknown ${issue.discriminator} ${describe(value)}${hint}; expected one of ${list}`;
}

function sizeMessage(bound: 'at least' | 'at most', origin: string, limit: number, inclusive: boolean): string {
  if (origin === 'array') return `expected ${bound} ${limit} item${limit === 1 ? '' : 's'}`;
  if (origin === 'string') return limit === 1 && bound === 'at least' ? 'must not be empty' : `expected ${bound} ${limit} characters`;
  const sign = bound === 'at least' ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<';
  return `expected a number ${sign} ${limit}`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  object: 'a mapping of keys to values',
  record: 'a mapping of keys to values',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  never: 'nothing (remove this key)',
  // A key whose schema accepts any value (z.unknown()) but must be present.
  nonoptional: 'a value',
};

function expectedText(expected: string): string {
  return EXPECTED[expected] ?? expected;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'a mapping';
  if (typeof value === 'number' && !Number.isInteger(value)) return `the fraction ${value}`;
  return describe(value);
}

function unknownKeyMessage(key: string, known: string[] | undefined, suggest: (word: string) => string): string {
  const hint = known === undefined ? '' : suggest(key);
  if (hint !== '') return `unknown key '${key}'${hint}`;
  const allowed = known === undefined ? '' : ` (allowed here: ${known.join(', ')})`;
  return `unknown key '${key}'${allowed}; remove it or fix its spelling`;
}

function knownKeysAt(root: unknown, at: DocPath, known: Map<object, string[]>): string[] | undefined {
  let node: unknown = root;
  for (const key of at) node = isObject(node) ? Reflect.get(node, key) : undefined;
  return isObject(node) ? known.get(node) : undefined;
}

function docPath(path: ReadonlyArray<PropertyKey>): DocPath {
  return path.map((key) => (typeof key === 'number' ? key : String(key)));
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
