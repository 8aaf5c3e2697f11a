import { DocPath, Problem } from './issue';

export const MAX_DEPTH = 64;
const MAX_NODES = 500_000;
const MAX_PROBLEMS = 20;

/**
 * Checks that a value is plain JSON of sane size before anything recursive touches it: deep nesting, cycles,
 * NaN, binary YAML values or class instances would otherwise crash, hang or hash unpredictably.
 */
export function jsonShapeProblems(root: unknown): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<object>();
  // A node's path is a chain of parents, spelt out only when a problem names it: copying every node's path would
  // cost the depth times the number of values.
  type At = { parent?: At; key: string | number; depth: number };
  const pending: Array<{ value: unknown; at: At | undefined }> = [{ value: root, at: undefined }];
  let nodes = 0;
  for (let item = pending.pop(); item !== undefined && problems.length < MAX_PROBLEMS; item = pending.pop()) {
    const { value, at } = item;
    if (++nodes > MAX_NODES) return [{ at: [], message: `the document has more than ${MAX_NODES} values; split it into smaller runbooks` }];
    const problem = scalarProblem(value);
    if (problem !== undefined) problems.push({ at: pathOf(at), message: problem });
    if (typeof value !== 'object' || value === null || problem !== undefined) continue;
    if (seen.has(value)) {
      problems.push({ at: pathOf(at), message: 'the value refers back to itself; a runbook must be a tree of plain values' });
      continue;
    }
    seen.add(value);
    const depth = at?.depth ?? 0;
    if (depth >= MAX_DEPTH) {
      problems.push({ at: pathOf(at), message: `nested more than ${MAX_DEPTH} levels deep; flatten the structure` });
      continue;
    }
    // Pushed last to first, so children are checked in document order.
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) if (value[i] !== undefined) pending.push({ value: value[i], at: { parent: at, key: i, depth: depth + 1 } });
    } else {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const child: unknown = Reflect.get(value, keys[i]!);
        if (child !== undefined) pending.push({ value: child, at: { parent: at, key: keys[i]!, depth: depth + 1 } });
      }
    }
  }
  return problems;
}

function pathOf(at: { parent?: typeof at; key: string | number } | undefined): DocPath {
  const path: Array<string | number> = [];
  for (let a = at; a !== undefined; a = a.parent) path.push(a.key);
  return path.reverse();
}

function scalarProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `the number ${String(value)} is not allowed; use a finite number`;
    case 'object': {
      if (value === null || Array.isArray(value)) return undefined;
      // Realm-agnostic: a plain object's prototype is some realm's Object.prototype, whose prototype is null.
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === null || (typeof proto === 'object' && Object.getPrototypeOf(proto) === null)) return undefined;
      return 'holds a value that is not plain data (binary, a date or a tagged object); use text, numbers, true/false, null, lists and mappings';
    }
    default:
      return `holds a ${typeof value}, which is not allowed; use text, numbers, true/false, null, lists and mappings`;
  }
}
