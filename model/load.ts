import { RunbookIssue, RunbookResult } from './issue';
import { MAX_DEPTH } from './json-shape';
import { scanJson } from './json-source';
import { validateDocument } from './validate';
import { readYamlFast } from './yaml-fast';
import { lineAt, parseYaml, type YamlSource } from './yaml-source';

export const MAX_SOURCE_BYTES = 1024 * 1024;

/** How a loader bug is reported (never thrown); tests treat any issue starting with it as a failure. */
export const LOADER_FAILED = 'the runbook could not be read';

export type LoadOptions = { file?: string; format?: 'yaml' | 'json' };

/** Loads a runbook from YAML or JSON text: every problem at once, with lines. Never throws, never hangs. */
export function loadRunbook(text: string, opts: LoadOptions = {}): RunbookResult {
  try {
    return load(text, opts);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return fail({ path: '', message: `${LOADER_FAILED} (${detail})` });
  }
}

function load(text: string, opts: LoadOptions): RunbookResult {
  if (typeof text !== 'string') return fail({ path: '', message: 'expected the runbook source as text' });
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SOURCE_BYTES) {
    return fail({ path: '', message: `the file is ${bytes} bytes, over the 1 MiB limit; split it into child runbooks` });
  }
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (source.trim() === '') return fail({ path: '', line: 1, message: 'the file is empty; a runbook needs at least id, title and steps' });
  const depth = bracketDepth(source);
  if (depth > MAX_DEPTH * 2) return fail({ path: '', message: `brackets are nested ${depth} levels deep; flatten the structure` });
  const format = opts.format ?? (opts.file?.toLowerCase().endsWith('.json') ? 'json' : 'yaml');
  const json = format === 'json' ? parseJson(source) : undefined;
  if (json !== undefined && !json.ok) return fail(json.error);
  if (json?.ok) {
    // JSON.parse keeps the last of repeated keys silently; one linear scan finds them and the lines of every value.
    const scanned = scanJson(source);
    if (scanned.duplicates.length > 0) return { ok: false, errors: scanned.duplicates };
    return validateDocument(json.value, scanned.lineAt);
  }
  const fast = readYamlFast(source);
  if (fast === undefined) {
    const yaml = parseYaml(source);
    if (yaml.errors.length > 0) return { ok: false, errors: yaml.errors };
    return validateDocument(yaml.source.doc.toJS(), (at) => lineAt(yaml.source, at));
  }
  // The document that knows lines is built only when an error or warning needs one; its own errors, should it
  // find any, are what the file is answered with, exactly as without the fast read.
  let positional: { source: YamlSource; errors: RunbookIssue[] } | undefined;
  const result = validateDocument(fast.value, (at) => lineAt((positional ??= parseYaml(source)).source, at));
  return positional !== undefined && positional.errors.length > 0 ? { ok: false, errors: positional.errors } : result;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: RunbookIssue } {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
    const issue = { path: '', message: `invalid JSON: ${message}` };
    return { ok: false, error: line === undefined ? issue : { ...issue, line } };
  }
}

// A cheap first pass: the YAML parser recurses per nesting level, so absurd nesting is refused before it runs.
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5b || ch === 0x7b) max = Math.max(max, ++depth);
    else if ((ch === 0x5d || ch === 0x7d) && depth > 0) depth--;
  }
  return max;
}

function fail(issue: RunbookIssue): RunbookResult {
  return { ok: false, errors: [issue] };
}
