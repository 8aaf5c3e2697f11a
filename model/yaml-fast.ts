// The loader's fast read of YAML: js-yaml for the value, the positional parse (yaml-source.ts) only when needed.
import { load as loadYaml, Schema as FastSchema, Type as FastType, type State as FastState } from 'js-yaml';
import { Document, isScalar, type ScalarTag } from 'yaml';

/**
 * The value of YAML text, read by js-yaml (about ten times faster than the positional parse of yaml-source.ts, which
 * a 1 MiB runbook kept busy for most of half a second) — or undefined whenever the positional parse must decide:
 * anything js-yaml refuses or warns about, and whatever the two might read differently (tags, anchors and so aliases,
 * directives, explicit keys, keys that are collections, null or longer than an implicit key may be, multi-line flow
 * collections, whose indentation the positional parse checks, a block scalar at the top on an indented line, and the
 * texts below). Plain scalars resolve with the yaml package's own YAML 1.2 core tests and resolvers, and `<<` stays a
 * plain key, so a value read here equals the positional parse's (test/model/yaml-fast.test.ts holds the two to each
 * other on random runbooks).
 */
export function readYamlFast(text: string): { value: unknown } | undefined {
  if (text.startsWith('%') || text.includes('\n%') || EXPLICIT_KEY.test(text) || ODD_TEXT.test(text) || hasEmptyEntry(text)) return undefined;
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
const CORE_SCALAR = 'tag:yaml.org,2002:core-scalar';
const FAST_SCHEMA = new FastSchema({
  implicit: [
    new FastType(CORE_SCALAR, {
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

// What js-yaml leaves in a node's tag when none is written: nothing (undefined before the first node, then null),
// '?' (a plain scalar) or the type it resolved to.
const IMPLICIT_TAGS = new Set<unknown>([null, '?', CORE_SCALAR]);

// The explicit key indicator (or a question mark that looks like one): such a key may be null or a collection.
const EXPLICIT_KEY = /(?:^|[\s[{,])\?(?:\s|$)/;

// Text the two parsers read differently: a '#' right after a closing quote or bracket (js-yaml reads a comment, the
// positional parse an error), a tab in a line's indentation (which the positional parse refuses in more places),
// a carriage return that does not end a line, a byte-order mark inside the text, a block scalar's indentation
// indicator (or anything like one), a document marker with anything after it on its line (`---\u00a0`, or
// `--- a: b`, a block mapping js-yaml reads and the positional parse refuses), a backslash ending a line before a
// blank one (in a double-quoted scalar, an escaped line break then an empty line: js-yaml reads nothing, the
// positional parse a space).
const ODD_TEXT = /["'\]}]#|(?:^|\n) *\t|\r(?!\n)|\uFEFF|[|>][-+]?[1-9]|(?:^|\n)(?:---|\.\.\.)(?=[^\r\n])|\\\r?\n[ \t]*\r?\n/;

// A line ending in a block sequence's '-' (its value, if any, on the lines below).
const DASH_LINE = /(?:^|\n)( *(?:- +)*)-[ \t]*(?:#[^\n]*)?(?=\r?\n|$)/g;

/**
 * Whether a block sequence has an empty entry: a '-' ending its line with no more indented line below. js-yaml can
 * then move the next, less indented entry into the empty one's sequence (`- - x` / `  -` / `- y`).
 */
function hasEmptyEntry(text: string): boolean {
  for (const m of text.matchAll(DASH_LINE)) if (nextIndent(text, m.index + m[0].length) <= m[1]!.length) return true;
  return false;
}

// The indentation of the first line after `from` that is neither blank nor a comment; -1 when there is none.
function nextIndent(text: string, from: number): number {
  for (let eol = text.indexOf('\n', from); eol >= 0; eol = text.indexOf('\n', eol + 1)) {
    let i = eol + 1;
    while (text.charCodeAt(i) === 0x20) i++;
    const c = text.charCodeAt(i);
    if (i < text.length && c !== 0x0a && c !== 0x0d && c !== 0x23) return i - eol - 1;
  }
  return -1;
}

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
      // Properties still set when a node opens belong to the node around it, and js-yaml may drop them there (a tag
      // on the line before its block scalar: `!x` / `|`): they are the positional parse's to judge.
      if ((Reflect.get(state, 'anchor') ?? null) !== null || !IMPLICIT_TAGS.has(Reflect.get(state, 'tag') ?? null)) this.refuse();
      this.starts.push(this.skipBlank(state.position));
      return;
    }
    const start = this.starts.pop() ?? 0;
    if (Reflect.get(state, 'anchor') !== null || Reflect.get(state, 'tag') === '!') return this.refuse();
    const collection = state.kind === 'mapping' || state.kind === 'sequence';
    const end = state.position;
    const first = text.charCodeAt(start);
    // js-yaml nests the top node in its first line's indentation, so a block scalar there ended at the first less
    // indented line (' |' then '# c' read ''); its text may start at column 0 (the positional parse reads '# c\n').
    if (this.starts.length === 0 && (first === 0x7c || first === 0x3e) && start > text.lastIndexOf('\n', start - 1) + 1) return this.refuse();
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
