// Request bodies are described as zod *inputs* (defaults optional) and answers as *outputs* (defaults filled in),
// so every schema is generated twice. This keeps the components the paths reach, and one copy of each schema
// whose two forms agree; a request form that differs is named `<Name>Input`.

export type JsonSchema = Record<string, unknown>;

const PREFIX = '#/components/schemas/';

/** Puts the reachable components into `doc.components.schemas`, merging request (`inPrefix`) and answer forms. */
export function mergeComponents(doc: JsonSchema, inPrefix: string, requests: Record<string, JsonSchema>, answers: Record<string, JsonSchema>): JsonSchema {
  const all = { ...answers, ...requests };
  const reachable = reach(doc, all);
  const keep = (names: string[]) => names.filter((n) => reachable.has(n));
  const inNames = keep(Object.keys(requests));
  const outNames = new Set(keep(Object.keys(answers)));

  // A request form is the same as its answer form when it is equal with refs normalised and every component it
  // refers to is the same too: drop names from `same` until that holds (a fixpoint).
  const plain = (n: string) => n.slice(inPrefix.length);
  const normal = (s: unknown) => JSON.stringify(mapRefs(s, (r) => r.replace(`${PREFIX}${inPrefix}`, PREFIX)));
  const same = new Set(inNames.filter((n) => outNames.has(plain(n)) && normal(all[n]) === normal(all[plain(n)])));
  for (let changed = true; changed;) {
    changed = false;
    for (const n of same) {
      if (refsOf(all[n]).some((r) => r.startsWith(inPrefix) && !same.has(r))) {
        same.delete(n);
        changed = true;
      }
    }
  }
  const rename = new Map<string, string>();
  for (const n of inNames) rename.set(n, same.has(n) || !outNames.has(plain(n)) ? plain(n) : `${plain(n)}Input`);
  const schemas: Record<string, JsonSchema> = {};
  for (const n of [...outNames].sort()) schemas[n] = all[n]!;
  for (const n of inNames) if (!same.has(n)) schemas[rename.get(n)!] = all[n]!;
  const renamed = mapRefs({ ...doc, components: { ...(doc.components as JsonSchema), schemas } }, (r) => {
    const n = r.slice(PREFIX.length);
    return rename.has(n) ? `${PREFIX}${rename.get(n)}` : r;
  });
  return renamed as JsonSchema;
}

function reach(doc: unknown, all: Record<string, JsonSchema>): Set<string> {
  const seen = new Set<string>();
  const queue = refsOf(doc);
  while (queue.length > 0) {
    const n = queue.pop()!;
    if (seen.has(n) || all[n] === undefined) continue;
    seen.add(n);
    queue.push(...refsOf(all[n]));
  }
  return seen;
}

/** Component names a value refers to with `$ref: '#/components/schemas/<name>'`. */
function refsOf(value: unknown): string[] {
  const refs: string[] = [];
  mapRefs(value, (r) => {
    if (r.startsWith(PREFIX)) refs.push(r.slice(PREFIX.length));
    return r;
  });
  return refs;
}

/** A copy of `value` with every `$ref` string passed through `fn`. */
export function mapRefs(value: unknown, fn: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapRefs(v, fn));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? fn(v) : mapRefs(v, fn)]));
}
