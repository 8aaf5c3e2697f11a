import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, YAMLError } from 'yaml';
import { DocPath, RunbookIssue } from './issue';

export type YamlSource = { doc: Document.Parsed; lines: LineCounter };

const SYNTAX_HINTS: Readonly<Record<string, string>> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document (---); keep one runbook per file',
  TAG_RESOLVE_FAILED: 'unknown YAML tag; remove the !tag and write a plain value',
};

/**
 * Parses YAML (or JSON, which is YAML) into a document that remembers where every node came from.
 * Parse errors, warnings (unknown tags) and aliases are all reported as errors.
 */
export function parseYaml(text: string): { source: YamlSource; errors: RunbookIssue[] } {
  const lines = new LineCounter();
  // prettyErrors off: building code frames for pathological input is slow enough to exhaust memory.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true, merge: false, version: '1.2' });
  const errors = [...doc.errors, ...doc.warnings].map((err) => (err.code === 'DUPLICATE_KEY' ? duplicateKeyIssue(doc, err, lines) : yamlIssue(err, lines)));
  errors.push(...structureIssues(doc, lines));
  return { source: { doc, lines }, errors };
}

// The parser's message ("Map keys must be unique") names neither the key nor where it is; the document still
// holds the repeated pair, found by the position the error points at.
function duplicateKeyIssue(doc: Document.Parsed, err: YAMLError, lines: LineCounter): RunbookIssue {
  const line = lines.linePos(err.pos[0]).line;
  let found: { key: string; path: string } | undefined;
  visit(doc, {
    Pair(_key, pair, ancestry) {
      if (found === undefined && isScalar(pair.key) && rangeStart(pair.key) === err.pos[0]) {
        found = { key: String(pair.key.value), path: pathOf(ancestry, pair) };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  const hint = 'each key may appear only once in a mapping; remove or rename one';
  if (found === undefined) return { path: '', line, message: `duplicate key: ${hint}` };
  return { path: found.path, line, message: `duplicate key '${found.key}': ${hint}` };
}

function yamlIssue(err: YAMLError, lines: LineCounter): RunbookIssue {
  const tooDeep = err.message.includes('call stack');
  const message = tooDeep ? 'the document is nested too deeply to read' : (SYNTAX_HINTS[err.code] ?? `YAML syntax error: ${err.message}`);
  return { path: '', line: lines.linePos(err.pos[0]).line, message };
}

// Aliases are rejected outright: a runbook is short enough to repeat a value, and this closes the door on
// "billion laughs" expansion without tuning a budget. Keys that are lists or mappings have no meaning in a
// runbook, and would otherwise be flattened into strings.
function structureIssues(doc: Document.Parsed, lines: LineCounter): RunbookIssue[] {
  const issues: RunbookIssue[] = [];
  visit(doc, {
    Pair(_key, pair, ancestry) {
      if (pair.key === null || isScalar(pair.key)) return;
      issues.push({ path: pathOf(ancestry, pair), line: lines.linePos(rangeStart(pair.key) ?? 0).line, message: 'a key must be plain text, not a list, mapping or alias' });
    },
    Alias(_key, node, ancestry) {
      issues.push({
        path: pathOf(ancestry, node),
        line: lines.linePos(node.range?.[0] ?? 0).line,
        message: `YAML aliases (*${node.source}) are not supported; write the value out in full`,
      });
    },
  });
  return issues;
}

function pathOf(ancestry: readonly unknown[], node: unknown): string {
  let path = '';
  const chain = [...ancestry, node];
  chain.forEach((item, i) => {
    const next = chain[i + 1];
    if (isPair(item) && isScalar(item.key)) path += path === '' ? String(item.key.value) : `.${String(item.key.value)}`;
    if (isSeq(item) && next !== undefined) path += `[${item.items.indexOf(next)}]`;
  });
  return path;
}

/** The 1-based line of the node at a document path, or of its deepest existing ancestor. */
export function lineAt(source: YamlSource, at: DocPath): number | undefined {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node);
  for (const key of at) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
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
