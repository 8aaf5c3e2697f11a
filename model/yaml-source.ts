import { load as loadYaml, Schema as FastSchema, Type as FastType, type State as FastState } from 'js-yaml';
import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Pair, type ScalarTag, type YAMLMap, YAMLError } from 'yaml';
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
 * The value of YAML text, read by js-yaml (about ten times faster than the positional parse below, which a 1 MiB
 * runbook kept busy for most of half a second) — or undefined whenever the positional parse must decide: anything
 * js-yaml refuses or warns about, and everything the positional parse refuses that js-yaml would let through (tags,
 * anchors and so aliases, directives, keys that are collections, null or longer than an implicit key may be,
 * multi-line flow collections, whose indentation the positional parse checks). Plain scalars resolve with the yaml
 * package's own YAML 1.2 core tests and resolvers, and `<<` stays a plain key, so a value read here equals the
 * positional parse's (test/model/yaml-fast.test.ts checks both on random runbooks).
 */
export function readYamlFast(text: string): { value: unknown } | undefined {
  if (text.startsWith('%') || text.includes('\n%') || EXPLICIT_KEY.test(text) || ODD_TEXT.test(text)) return undefined;
  const guard = new FastGuard(text);
  try {
    const value: unknown = loadYaml(text, { schema: FAST_SCHEMA, onWarning: () => guard.refuse(), listener: (event, state) => guard.on(event, state) });
    // An empty document is null to the positional parse, undefined to js-yaml.
    return guard.refused || explicitTag.used ? undefined : { value: value ?? null };
  } catch {
    return undefined;
  } finally {
    explicitTag.used = false;
  }
}

// The yaml package's core scalar tags, in the order it tries them on a plain scalar; one js-yaml type runs them all
// (js-yaml keeps one type per tag name). A tag written in the text reaches `resolve` with a second argument: the
// fast read refuses it, so explicit tags are the positional parse's to judge.
const CORE_TAGS = new Document(null, { version: '1.2' }).schema.tags.filter((t): t is ScalarTag & { test: RegExp } => t.default === true && 'test' in t && t.test !== undefined);
const explicitTag = { used: false };
let matched: ScalarTag | undefined;
const FAST_SCHEMA = new FastSchema({
  implicit: [
    new FastType('tag:yaml.org,2002:core-scalar', {
      kind: 'scalar',
      resolve: (data: unknown, tag?: string) => {
        if (tag !== undefined) explicitTag.used = true;
        matched = typeof data === 'string' && tag === undefined ? CORE_TAGS.find((t) => t.test.test(data)) : undefined;
        return matched !== undefined;
      },
      construct: (data: string) => {
        const resolved: unknown = matched?.resolve(data, () => undefined, { intAsBigInt: false });
        return isScalar(resolved) ? resolved.value : resolved;
      },
    }),
  ],
});

// The explicit key indicator (or a question mark that looks like one): such a key may be null or a collection.
const EXPLICIT_KEY = /(?:^|[\s[{,])\?(?:\s|$)/;

// Text the two parsers read differently: a '#' right after a closing quote or bracket (js-yaml reads a comment, the
// positional parse an error), a tab in a line's indentation (which the positional parse refuses in more places),
// a carriage return that does not end a line, a byte-order mark inside the text, a block scalar's indentation
// indicator (or anything like one).
const ODD_TEXT = /["'\]}]#|(?:^|\n) *\t|\r(?!\n)|\uFEFF|[|>][-+]?[1-9]/;

// Longest span from an implicit key's start to its ':' that the positional parse accepts, less slack for the
// spaces js-yaml's positions leave out.
const MAX_KEY_SPAN = 1000;

/** Watches js-yaml's node events for what only the positional parse may judge (see readYamlFast). */
class FastGuard {
  refused = false;
  private readonly starts: number[] = [];
  constructor(private readonly text: string) {}

  refuse(): void {
    this.refused = true;
  }

  on(event: 'open' | 'close', state: FastState): void {
    const text = this.text;
    if (event === 'open') {
      this.starts.push(this.skipBlank(state.position));
      return;
    }
    const start = this.starts.pop() ?? 0;
    if (Reflect.get(state, 'anchor') !== null || Reflect.get(state, 'tag') === '!') return this.refuse();
    const collection = state.kind === 'mapping' || state.kind === 'sequence';
    const end = state.position;
    const first = text.charCodeAt(start);
    if (collection && (first === 0x5b || first === 0x7b) && text.lastIndexOf('\n', end - 1) >= start) return this.refuse();
    // A key is followed by ':', or sits in a flow mapping without one ({ a, b: 1 }).
    const colon = this.skipBlank(end);
    const parent = this.starts[this.starts.length - 1];
    const inFlowMap = parent !== undefined && text.charCodeAt(parent) === 0x7b && start > parent;
    const key = text.charCodeAt(colon) === 0x3a || (inFlowMap && text.charCodeAt(this.skipBack(start)) !== 0x3a);
    if (key && (collection || state.result === null || colon - start > MAX_KEY_SPAN)) this.refuse();
  }

  // The offset of the last character before `from` that is not a space or tab.
  private skipBack(from: number): number {
    let i = from - 1;
    while (i > 0 && (this.text.charCodeAt(i) === 0x20 || this.text.charCodeAt(i) === 0x09)) i--;
    return i;
  }

  // The offset of the next character past spaces, tabs, line breaks and comments.
  private skipBlank(from: number): number {
    const text = this.text;
    let i = from;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x23 && (i === 0 || /\s/.test(text[i - 1]!))) {
        const eol = text.indexOf('\n', i);
        if (eol < 0) return text.length;
        i = eol;
      } else if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    }
    return i;
  }
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
