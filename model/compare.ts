// Imported by workflow code (through condition.ts): no Node built-ins, no I/O, no zod.

/** The comparisons shared by `when` conditions and the `check` action's `until`. */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';

/**
 * Compares two JSON values. The one coercion: a string holding a number (such as command output "3\n")
 * meets a number as that number, because outputs read from stdout and headers are always strings.
 * Anything else that cannot be ordered throws rather than quietly answering false, so mistakes fail loudly.
 */
export function compareValues(op: CompareOp, left: unknown, right: unknown): boolean {
  const [l, r] = [numericAgainst(left, right), numericAgainst(right, left)];
  switch (op) {
    case 'eq':
      return jsonEqual(l, r);
    case 'ne':
      return !jsonEqual(l, r);
    case 'in':
      return contains(right, left);
    default:
      return order(op, l, r);
  }
}

function numericAgainst(value: unknown, other: unknown): unknown {
  if (typeof value !== 'string' || typeof other !== 'number' || value.trim() === '') return value;
  const number = Number(value.trim());
  return Number.isFinite(number) ? number : value;
}

function order(op: 'lt' | 'lte' | 'gt' | 'gte', left: unknown, right: unknown): boolean {
  if (typeof left === 'number' && typeof right === 'number') return ordered(op, left, right);
  if (typeof left === 'string' && typeof right === 'string') return ordered(op, left, right);
  throw new Error(`cannot order ${describe(left)} against ${describe(right)}; both sides must be numbers or both strings`);
}

function ordered<T extends number | string>(op: 'lt' | 'lte' | 'gt' | 'gte', l: T, r: T): boolean {
  if (op === 'lt') return l < r;
  if (op === 'lte') return l <= r;
  if (op === 'gt') return l > r;
  return l >= r;
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (Array.isArray(haystack)) return haystack.some((item) => compareValues('eq', needle, item));
  if (typeof haystack === 'string' && typeof needle === 'string') return haystack.includes(needle);
  throw new Error(`'in' needs a list (or a string to search) on its right, got ${describe(haystack)}`);
}

/** Structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  return aKeys.length === bKeys.length && aKeys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && jsonEqual(Reflect.get(a, key), Reflect.get(b, key)));
}

/** A short, human description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `string '${value.length > 30 ? `${value.slice(0, 30)}…` : value}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
