// Imported by workflow code: no Node built-ins, no I/O, no zod, and never eval/Function.
import { compareValues, CompareOp, describe } from './compare';
import { Reference, ReferenceContext, referenceText, REFERENCE_FORMS, parseReference, resolveReference } from './reference';

/** A parsed `when` expression: plain JSON, so it can travel in workflow payloads. */
export type ConditionAst =
  | { type: 'literal'; value: string | number | boolean | null }
  | { type: 'list'; items: ConditionAst[] }
  | { type: 'ref'; ref: Reference }
  | { type: 'not'; operand: ConditionAst }
  | { type: 'and' | 'or'; left: ConditionAst; right: ConditionAst }
  | { type: 'compare'; op: CompareOp; left: ConditionAst; right: ConditionAst };

export type ConditionError = { message: string; column: number };
export type ParsedCondition = { ok: true; ast: ConditionAst } | { ok: false; error: ConditionError };

export const MAX_CONDITION_LENGTH = 2000;
export const MAX_CONDITION_DEPTH = 50;

type Token =
  | { kind: 'number'; value: number; column: number }
  | { kind: 'string'; value: string; column: number }
  | { kind: 'word'; value: string; column: number }
  | { kind: 'symbol'; value: string; column: number }
  | { kind: 'end'; column: number };

class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

const SYMBOLS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', ','];
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src.charAt(i);
    const column = i + 1;
    if (/\s/.test(ch)) {
      i++;
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(src.charAt(i + 1)))) {
      const text = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i, i + 40))?.[0] ?? ch;
      tokens.push({ kind: 'number', value: Number(text), column });
      i += text.length;
    } else if (ch === "'" || ch === '"') {
      const { value, end } = readString(src, i);
      tokens.push({ kind: 'string', value, column });
      i = end;
    } else if (/[A-Za-z_]/.test(ch)) {
      const text = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(src.slice(i))?.[0] ?? ch;
      tokens.push({ kind: 'word', value: text, column });
      i += text.length;
    } else {
      const symbol = SYMBOLS.find((s) => src.startsWith(s, i));
      if (symbol === undefined) {
        const hint = ch === '=' ? '; use == to compare' : ch === '&' || ch === '|' ? '; use && or ||' : '';
        throw new ConditionSyntaxError(`unexpected '${ch}'${hint}`, column);
      }
      tokens.push({ kind: 'symbol', value: symbol, column });
      i += symbol.length;
    }
  }
  tokens.push({ kind: 'end', column: src.length + 1 });
  return tokens;
}

function readString(src: string, start: number): { value: string; end: number } {
  const quote = src.charAt(start);
  let value = '';
  for (let i = start + 1; i < src.length; i++) {
    const ch = src.charAt(i);
    if (ch === quote) return { value, end: i + 1 };
    if (ch === '\\') {
      const escaped = ESCAPES[src.charAt(i + 1)];
      if (escaped === undefined) throw new ConditionSyntaxError(`unknown escape '\\${src.charAt(i + 1)}'`, i + 1);
      value += escaped;
      i++;
    } else {
      value += ch;
    }
  }
  throw new ConditionSyntaxError(`unterminated string; close it with ${quote}`, start + 1);
}

const COMPARISONS: Readonly<Record<string, CompareOp>> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte', in: 'in' };

// Recursive descent: or → and → unary → comparison → primary. Depth is counted so hostile input cannot
// exhaust the stack of the workflow that evaluates it.
class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): ConditionAst {
    const ast = this.or();
    const next = this.peek();
    if (next.kind !== 'end') throw new ConditionSyntaxError(`unexpected ${show(next)}; expected && or || or the end`, next.column);
    return ast;
  }

  private or(): ConditionAst {
    let left = this.and();
    while (this.eat('||')) left = { type: 'or', left, right: this.and() };
    return left;
  }

  private and(): ConditionAst {
    let left = this.unary();
    while (this.eat('&&')) left = { type: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): ConditionAst {
    const bang = this.peek();
    if (!this.eat('!')) return this.comparison();
    return this.nested(bang.column, () => ({ type: 'not', operand: this.unary() }));
  }

  private comparison(): ConditionAst {
    const left = this.primary();
    const op = this.comparisonOp();
    if (op === undefined) return left;
    const right = this.primary();
    const chained = this.comparisonOp();
    if (chained !== undefined) throw new ConditionSyntaxError('comparisons cannot be chained; join them with &&', this.tokens[this.pos - 1]?.column ?? 1);
    return { type: 'compare', op, left, right };
  }

  private comparisonOp(): CompareOp | undefined {
    const token = this.peek();
    const op = token.kind === 'symbol' || token.kind === 'word' ? COMPARISONS[token.value] : undefined;
    if (op !== undefined) this.pos++;
    return op;
  }

  private primary(): ConditionAst {
    const token = this.peek();
    this.pos++;
    if (token.kind === 'number' || token.kind === 'string') return { type: 'literal', value: token.value };
    if (token.kind === 'symbol' && token.value === '(') {
      return this.nested(token.column, () => {
        const inner = this.or();
        this.expect(')', 'to close (');
        return inner;
      });
    }
    if (token.kind === 'symbol' && token.value === '[') return this.nested(token.column, () => this.list());
    if (token.kind === 'word') return word(token.value, token.column);
    throw new ConditionSyntaxError(`expected a value but found ${show(token)}`, token.column);
  }

  private list(): ConditionAst {
    const items: ConditionAst[] = [];
    if (this.eat(']')) return { type: 'list', items };
    do items.push(this.primary());
    while (this.eat(','));
    this.expect(']', 'to close the list');
    return { type: 'list', items };
  }

  private nested(column: number, inner: () => ConditionAst): ConditionAst {
    if (++this.depth > MAX_CONDITION_DEPTH) throw new ConditionSyntaxError(`nested more than ${MAX_CONDITION_DEPTH} levels deep`, column);
    const ast = inner();
    this.depth--;
    return ast;
  }

  private peek(): Token {
    return this.tokens[this.pos] ?? { kind: 'end', column: 0 };
  }

  private eat(symbol: string): boolean {
    const token = this.peek();
    if (token.kind !== 'symbol' || token.value !== symbol) return false;
    this.pos++;
    return true;
  }

  private expect(symbol: string, why: string): void {
    const token = this.peek();
    if (!this.eat(symbol)) throw new ConditionSyntaxError(`expected ${symbol} ${why} but found ${show(token)}`, token.column);
  }
}

function word(text: string, column: number): ConditionAst {
  if (text === 'true' || text === 'false') return { type: 'literal', value: text === 'true' };
  if (text === 'null') return { type: 'literal', value: null };
  const ref = parseReference(text);
  if (ref === undefined) throw new ConditionSyntaxError(`unknown reference '${text}'; use ${REFERENCE_FORMS} (strings need quotes)`, column);
  return { type: 'ref', ref };
}

function show(token: Token): string {
  if (token.kind === 'end') return 'the end of the condition';
  if (token.kind === 'string') return `string '${token.value}'`;
  return `'${token.value}'`;
}

/** Parses a `when` expression; never throws. */
export function parseCondition(src: string): ParsedCondition {
  if (typeof src !== 'string') return { ok: false, error: { message: 'a condition must be a string', column: 1 } };
  if (src.length > MAX_CONDITION_LENGTH) {
    return { ok: false, error: { message: `condition is longer than ${MAX_CONDITION_LENGTH} characters; split the logic across steps`, column: MAX_CONDITION_LENGTH + 1 } };
  }
  if (src.trim() === '') return { ok: false, error: { message: 'condition is empty; write an expression such as params.region == "eu"', column: 1 } };
  try {
    return { ok: true, ast: new Parser(tokenize(src)).parse() };
  } catch (err) {
    if (err instanceof ConditionSyntaxError) return { ok: false, error: { message: `${err.message} at column ${err.column}`, column: err.column } };
    throw err;
  }
}

/** Every reference a condition reads, in source order. */
export function conditionRefs(ast: ConditionAst): Reference[] {
  switch (ast.type) {
    case 'literal':
      return [];
    case 'ref':
      return [ast.ref];
    case 'list':
      return ast.items.flatMap(conditionRefs);
    case 'not':
      return conditionRefs(ast.operand);
    default:
      return [...conditionRefs(ast.left), ...conditionRefs(ast.right)];
  }
}

/** Evaluates a parsed condition; throws an Error naming the problem (unknown reference, type mismatch). */
export function evaluateCondition(ast: ConditionAst, ctx: ReferenceContext): boolean {
  return truth(value(ast, ctx), 'the condition');
}

function value(ast: ConditionAst, ctx: ReferenceContext): unknown {
  switch (ast.type) {
    case 'literal':
      return ast.value;
    case 'list':
      return ast.items.map((item) => value(item, ctx));
    case 'ref':
      if (ast.ref.kind === 'secret') throw new Error(`conditions cannot read secrets (${referenceText(ast.ref)})`);
      return resolveReference(ast.ref, ctx);
    case 'not':
      return !truth(value(ast.operand, ctx), "the operand of '!'");
    case 'and':
      return truth(value(ast.left, ctx), "the left of '&&'") && truth(value(ast.right, ctx), "the right of '&&'");
    case 'or':
      return truth(value(ast.left, ctx), "the left of '||'") || truth(value(ast.right, ctx), "the right of '||'");
    case 'compare':
      return compareValues(ast.op, value(ast.left, ctx), value(ast.right, ctx));
  }
}

function truth(result: unknown, what: string): boolean {
  if (typeof result === 'boolean') return result;
  throw new Error(`${what} must be true or false, got ${describe(result)}; compare it explicitly, e.g. == 'yes'`);
}
