// Imported by workflow code: no Node built-ins, no I/O, no zod.
import { parseReference, Reference, REFERENCE_FORMS, ReferenceContext, resolveReference } from './reference';

/**
 * Logic-less templates: `{{ params.region }}`, `{{ steps.check.outputs.lag }}`, `{{ run.id }}`,
 * `{{ secrets.TOKEN }}`, and quoted literals such as `{{ '{{' }}` for text that must contain braces.
 */
export type TemplatePart =
  { kind: 'text'; text: string } | { kind: 'ref'; source: string; ref: Reference | undefined; raw: string } | { kind: 'literal'; value: string; raw: string };

export type TemplateRef = { source: string; ref: Reference | undefined };

type Scan = { parts: TemplatePart[]; error?: string };

/** Splits a string into text, references and literals; `error` describes the first syntax problem. */
export function scanTemplate(str: string): Scan {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < str.length) {
    const open = str.indexOf('{{', i);
    if (open < 0) break;
    if (open > i) parts.push({ kind: 'text', text: str.slice(i, open) });
    const tag = readTag(str, open);
    if ('error' in tag) {
      parts.push({ kind: 'text', text: str.slice(open) });
      return { parts, error: tag.error };
    }
    parts.push(tag.part);
    i = tag.end;
  }
  if (i < str.length) parts.push({ kind: 'text', text: str.slice(i) });
  return { parts };
}

function readTag(str: string, open: number): { part: TemplatePart; end: number } | { error: string } {
  let k = skipSpaces(str, open + 2);
  const quote = str[k];
  if (quote === "'" || quote === '"') {
    const closeQuote = str.indexOf(quote, k + 1);
    if (closeQuote < 0) return { error: `unterminated string in template at position ${open + 1}` };
    const value = str.slice(k + 1, closeQuote);
    k = skipSpaces(str, closeQuote + 1);
    if (!str.startsWith('}}', k)) return { error: `expected }} after the quoted literal at position ${open + 1}` };
    return { part: { kind: 'literal', value, raw: str.slice(open, k + 2) }, end: k + 2 };
  }
  const close = str.indexOf('}}', k);
  if (close < 0) return { error: `unclosed {{ at position ${open + 1}; close it with }}, or write {{ '{{' }} for literal braces` };
  const source = str.slice(k, close).trim();
  return { part: { kind: 'ref', source, ref: parseReference(source), raw: str.slice(open, close + 2) }, end: close + 2 };
}

function skipSpaces(str: string, at: number): number {
  let k = at;
  while (str[k] === ' ' || str[k] === '\t') k++;
  return k;
}

/** True when a string contains template syntax, so its final value is only known at run time. */
export function hasTemplate(str: string): boolean {
  return str.includes('{{');
}

/** Every `{{ … }}` reference in a string, recognised or not (unrecognised ones have ref undefined). */
export function templateRefs(str: string): TemplateRef[] {
  const refs: TemplateRef[] = [];
  for (const part of scanTemplate(str).parts) {
    if (part.kind === 'ref') refs.push({ source: part.source, ref: part.ref });
  }
  return refs;
}

/** Renders one string. A string that is exactly one `{{ ref }}` becomes the referenced value with its type. */
export function renderTemplate(str: string, ctx: ReferenceContext): unknown {
  const { parts, error } = scanTemplate(str);
  if (error !== undefined) throw new Error(`template error in '${clip(str)}': ${error}`);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only !== undefined && only.kind !== 'text') return renderPart(only, ctx);
  return parts.map((part) => (part.kind === 'text' ? part.text : asText(renderPart(part, ctx)))).join('');
}

function renderPart(part: Exclude<TemplatePart, { kind: 'text' }>, ctx: ReferenceContext): unknown {
  if (part.kind === 'literal') return part.value;
  if (part.ref === undefined) {
    throw new Error(`unknown reference '${clip(part.source)}' in template; use ${REFERENCE_FORMS}`);
  }
  return resolveReference(part.ref, ctx);
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A piece of a string that carries secrets: text the runbook wrote, a value of the run (a parameter, an output)
 * rendered as text, or a secret by name. An activity joins the pieces; it never reads a piece as a template.
 */
export type SealedPart = { text: string } | { value: string } | { secret: string };
/** A string of a rendered value whose template names secrets, by its path in that value, as its pieces. */
export type SecretSlot = { path: Array<string | number>; parts: SealedPart[] };
/** A rendered value: strings naming secrets show them as written, and `secrets` says where they go. */
export type Sealed = { value: unknown; secrets: SecretSlot[] };

/**
 * Renders every string of a JSON-like value, except for its secrets. A string whose template (the runbook's own
 * text) names a secret is listed in `secrets` by its path, in pieces, and shows `{{ secrets.NAME }}` in `value`.
 * Secrets are therefore known from the runbook's text alone: a parameter or output that looks like a template, or
 * two that form one side by side, stays text, because no one scans rendered text for secrets again.
 */
export function renderSealed(value: unknown, ctx: ReferenceContext): Sealed {
  const secrets: SecretSlot[] = [];
  const walk = (item: unknown, path: Array<string | number>): unknown => {
    if (typeof item === 'string') {
      if (!templateRefs(item).some((r) => r.ref?.kind === 'secret')) return renderTemplate(item, ctx);
      const parts = sealTemplate(item, ctx);
      secrets.push({ path, parts });
      return parts.map((p) => ('secret' in p ? `{{ secrets.${p.secret} }}` : 'text' in p ? p.text : p.value)).join('');
    }
    if (Array.isArray(item)) return item.map((x, i) => walk(x, [...path, i]));
    if (isPlainObject(item)) return mapEntries(item, (key, x) => walk(x, [...path, key]));
    return item;
  };
  return { value: walk(value, []), secrets };
}

/** The pieces of one string: its text and literals, its references' values as text, and its secrets by name. */
export function sealTemplate(str: string, ctx: ReferenceContext): SealedPart[] {
  const { parts, error } = scanTemplate(str);
  if (error !== undefined) throw new Error(`template error in '${clip(str)}': ${error}`);
  return parts.map((part): SealedPart => {
    if (part.kind === 'text') return { text: part.text };
    if (part.kind === 'literal') return { text: part.value };
    if (part.ref?.kind === 'secret') return { secret: part.ref.name };
    return { value: asText(renderPart(part, ctx)) };
  });
}

/** Renders every string inside a JSON-like value (object keys are left alone). */
export function renderDeep(value: unknown, ctx: ReferenceContext): unknown {
  if (typeof value === 'string') return renderTemplate(value, ctx);
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, ctx));
  if (isPlainObject(value)) return mapEntries(value, (_key, item) => renderDeep(item, ctx));
  return value;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  // Realm-agnostic (workflow sandboxes have their own Object.prototype): the prototype's prototype is null.
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || (typeof proto === 'object' && Object.getPrototypeOf(proto) === null);
}

function mapEntries(obj: object, fn: (key: string, value: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(obj)) {
    // defineProperty, not assignment: a key named __proto__ must stay data, never become a prototype.
    Object.defineProperty(out, key, { value: fn(key, item), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function clip(str: string): string {
  return str.length > 60 ? `${str.slice(0, 60)}…` : str;
}
