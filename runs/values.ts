// Pure helpers shared by workflow code and activities: no Node built-ins, no I/O.

/** A value inside a result by dotted path (`status`, `body.replica.lag`, `body.items.0.id`). */
export function valueAt(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const key of path.split('.').filter((k) => k.length > 0)) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
