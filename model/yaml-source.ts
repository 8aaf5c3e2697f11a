import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Pair, type YAMLMap, YAMLError } from 'yaml';
import { DocPath, formatPath, RunbookIssue } from './issue';

export type YamlSource = { doc: Document.Parsed; lines: LineCounter };

const SYNTAX_HINTS: Readonly<Record<string, string>> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document (---); keep one runbook per file',
  TAG_RESOLVE_FAILED: 'unknown YAML tag; remove the !tag and write a plain value',
};

/**
 * Parses YAML (or JSON, which is YAML) into a document that remembers where every node came from.
 * Parse errors, warnings (unknown tags), duplicate keys and aliases are all reported as errors.
 */
export function parseYaml(text: string): { source: YamlSource; errors: RunbookIssue[] } {
  const lines = new LineCounter();
  // prettyErrors off: building code frames for pathological input is slow enough to exhaust memory. uniqueKeys off:
  // the parser compares each key with every earlier one (quadratic: 40k keys took 10-40 s); structureIssues checks
  // them in one pass with a set per mapping.
  const doc = withPlainEnv(() => parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, strict: true, merge: false, version: '1.2' }));
  const errors = [...doc.errors, ...doc.warnings].map((err) => yamlIssue(err, lines));
  errors.push(...structureIssues(doc, lines));
  return { source: { doc, lines }, errors };
}

/**
 * The yaml package's parser reads `process.env.LOG_TOKENS` once per token, and `process.env` is a native getter:
 * on a 1 MiB body that lookup alone was a quarter of the parse. The parse is synchronous, so for its duration
 * `process.env` can be a plain copy (no other code runs meanwhile) and is put back after, whatever happens.
 */
function withPlainEnv<T>(parse: () => T): T {
  const original = Object.getOwnPropertyDescriptor(process, 'env');
  if (!original?.configurable) return parse();
  Object.defineProperty(process, 'env', { ...original, value: { ...process.env } });
  try {
    return parse();
  } finally {
    Object.defineProperty(process, 'env', original);
  }
}

function yamlIssue(err: YAMLError, lines: LineCounter): RunbookIssue {
  const tooDeep = err.message.includes('call stack');
  const message = tooDeep ? 'the document is nested too deeply to read' : (SYNTAX_HINTS[err.code] ?? `YAML syntax error: ${err.message}`);
  return { path: '', line: lines.linePos(err.pos[0]).line, message };
}

const MAX_STRUCTURE_ISSUES = 1000;
const DUPLICATE_HINT = 'each key may appear only once in a mapping; remove or rename one';

// A node on the walk; its path is a chain of parents, formatted only when an issue names it (building every node's
// path string would cost the key lengths times the depth).
type At = { parent?: At; key: string | number };

function docPath(at: At | undefined): Array<string | number> {
  const path: Array<string | number> = [];
  for (let a = at; a !== undefined; a = a.parent) path.push(a.key);
  return path.reverse();
}

// One pass over the document, linear in its size. Aliases are rejected outright: a runbook is short enough to
// repeat a value, and this closes the door on "billion laughs" expansion without tuning a budget. Keys that are
// lists or mappings have no meaning in a runbook, and would otherwise be flattened into strings. A key repeated in
// a mapping is refused (with the key, its path and the repeat's line) rather than silently overwritten.
function structureIssues(doc: Document.Parsed, lines: LineCounter): RunbookIssue[] {
  const issues: RunbookIssue[] = [];
  const report = (at: At | undefined, node: unknown, message: string) => {
    if (issues.length < MAX_STRUCTURE_ISSUES) issues.push({ path: formatPath(docPath(at)), line: lines.linePos(rangeStart(node) ?? 0).line, message });
  };
  const pending: Array<{ node: unknown; at: At | undefined }> = [{ node: doc.contents, at: undefined }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { node, at } = item;
    if (isAlias(node)) report(at, node, `YAML aliases (*${node.source}) are not supported; write the value out in full`);
    else if (isSeq(node)) node.items.forEach((child, i) => pending.push({ node: child, at: { parent: at, key: i } }));
    else if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        if (pair.key !== null && !isScalar(pair.key)) {
          report(at, pair.key, 'a key must be plain text, not a list, mapping or alias');
          continue;
        }
        const key = pair.key === null ? '' : String(pair.key.value);
        const child: At = { parent: at, key };
        if (keys.has(key)) report(child, pair.key, `duplicate key '${key}': ${DUPLICATE_HINT}`);
        keys.add(key);
        pending.push({ node: pair.value, at: child });
      }
    }
  }
  // Reported in source order, as the parser's own errors are.
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

// Each mapping's keys, indexed on first use: a lookup per path step instead of a scan of the mapping.
const keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = keyIndex.get(map);
  if (index === undefined) {
    index = new Map();
    for (const item of map.items) if (isScalar(item.key) && !index.has(String(item.key.value))) index.set(String(item.key.value), item);
    keyIndex.set(map, index);
  }
  return index.get(key);
}

/** The 1-based line of the node at a document path, or of its deepest existing ancestor. */
export function lineAt(source: YamlSource, at: DocPath): number | undefined {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node);
  for (const key of at) {
    if (isMap(node)) {
      const pair = pairOf(node, String(key));
      if (pair === undefined) break;
      // Point at the key: that is the line people read, and it exists even when the value is empty.
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : source.lines.linePos(offset).line;
}

function rangeStart(node: unknown): number | undefined {
  return node instanceof Object && 'range' in node && Array.isArray(node.range) && typeof node.range[0] === 'number' ? node.range[0] : undefined;
}
