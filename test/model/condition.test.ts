import { conditionRefs, evaluateCondition, MAX_CONDITION_LENGTH, parseCondition } from '../../model/condition';
import { ReferenceContext } from '../../model/reference';

const ctx: ReferenceContext = {
  params: { region: 'eu', replicas: 3, dryRun: false, zones: ['a', 'b'] },
  steps: { check: { status: 'succeeded', outputs: { lag: 2, stdout: '7\n', healthy: true } }, old: { status: 'failed' } },
  run: { id: 'r1', mode: 'drill', requester: 'ana' },
};

function holds(src: string): boolean {
  const parsed = parseCondition(src);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return evaluateCondition(parsed.ast, ctx);
}

function parseError(src: string): { message: string; column: number } {
  const parsed = parseCondition(src);
  if (parsed.ok) throw new Error(`expected ${src} not to parse`);
  return parsed.error;
}

describe('evaluateCondition', () => {
  it.each([
    ["params.region == 'eu'", true],
    ['params.region == "us"', false],
    ["params.region != 'us'", true],
    ['params.replicas > 2', true],
    ['params.replicas >= 3 && params.replicas <= 3', true],
    ['params.replicas < 3', false],
    ["params.region in ['eu', 'us']", true],
    ["'c' in params.zones", false],
    ["'ur' in 'europe'", true],
    ['!params.dryRun', true],
    ['params.dryRun || steps.check.outputs.healthy', true],
    ["run.mode == 'drill' && (params.replicas == 1 || params.region == 'eu')", true],
    ["steps.old.status == 'failed'", true],
    ['steps.check.outputs.lag < 5', true],
    ['steps.check.outputs.stdout == 7', true],
    ['steps.check.outputs.stdout > 6.5', true],
    ['null == null', true],
    ['[1, 2] == [1, 2]', true],
    ['-1 < 0', true],
    ["'it\\'s' == \"it's\"", true],
    ['true', true],
    ['!(true && false)', true],
  ])('%s is %s', (src, expected) => {
    expect(holds(src)).toBe(expected);
  });

  it('does not evaluate the right of && when the left is false', () => {
    expect(holds('params.dryRun && steps.missing.outputs.x == 1')).toBe(false);
  });

  it('throws an error naming an unknown reference', () => {
    expect(() => holds('params.zone == 1')).toThrow('unknown reference params.zone');
  });

  it('throws when ordering values of different types', () => {
    expect(() => holds("params.replicas < 'three'")).toThrow(/cannot order number 3 against string 'three'/);
  });

  it('throws when a non-boolean is used as a condition', () => {
    expect(() => holds('params.replicas')).toThrow(/must be true or false, got number 3/);
  });

  it('refuses to read secrets', () => {
    const parsed = parseCondition('secrets.TOKEN == "x"');
    if (!parsed.ok) throw new Error('should parse');
    expect(() => evaluateCondition(parsed.ast, { secrets: { TOKEN: 'x' } })).toThrow(/cannot read secrets/);
  });
});

describe('parseCondition', () => {
  it('produces a plain JSON AST', () => {
    const parsed = parseCondition("params.region == 'eu' && !params.dryRun");
    expect(parsed).toEqual({
      ok: true,
      ast: {
        type: 'and',
        left: { type: 'compare', op: 'eq', left: { type: 'ref', ref: { kind: 'param', name: 'region' } }, right: { type: 'literal', value: 'eu' } },
        right: { type: 'not', operand: { type: 'ref', ref: { kind: 'param', name: 'dryRun' } } },
      },
    });
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(parsed);
  });

  it.each([
    ['params.x ==', 'expected a value but found the end of the condition', 12],
    ['params.x = 1', "unexpected '='; use == to compare", 10],
    ['params.x & params.y', "unexpected '&'; use && or ||", 10],
    ["params.x == 'open", 'unterminated string', 13],
    ['(params.x == 1', 'expected ) to close (', 15],
    ['params.x == 1 params.y', "unexpected 'params.y'", 15],
    ['region == 1', "unknown reference 'region'", 1],
    ['steps.a.outputs == 1', "unknown reference 'steps.a.outputs'", 1],
    ['1 < 2 < 3', 'comparisons cannot be chained', 7],
    ['[1, 2', 'expected ] to close the list', 6],
    ['', 'condition is empty', 1],
    ['params.a == 1 $', "unexpected '$'", 15],
  ])('rejects %j with %j at column %d', (src, message, column) => {
    const error = parseError(src);
    expect(error.message).toContain(message);
    expect(error.column).toBe(column);
    if (src !== '') expect(error.message).toContain(`at column ${column}`);
  });

  it('rejects input longer than the limit', () => {
    expect(parseError('true || '.repeat(300) + 'true').message).toContain(`longer than ${MAX_CONDITION_LENGTH} characters`);
  });

  it('rejects nesting deeper than 50 levels', () => {
    expect(parseError('('.repeat(51) + 'true' + ')'.repeat(51)).message).toContain('nested more than 50 levels deep');
    expect(parseError('!'.repeat(60) + 'true').message).toContain('nested more than 50 levels deep');
    expect(parseCondition('('.repeat(50) + 'true' + ')'.repeat(50)).ok).toBe(true);
  });
});

describe('conditionRefs', () => {
  it('lists every reference in source order', () => {
    const parsed = parseCondition("steps.a.status == 'succeeded' && params.x in [run.mode, secrets.K]");
    if (!parsed.ok) throw new Error('should parse');
    expect(conditionRefs(parsed.ast)).toEqual([
      { kind: 'status', step: 'a' },
      { kind: 'param', name: 'x' },
      { kind: 'run', field: 'mode' },
      { kind: 'secret', name: 'K' },
    ]);
  });
});
