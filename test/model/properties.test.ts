import fc from 'fast-check';
import { stringify } from 'yaml';
import { evaluateCondition, parseCondition } from '../../model/condition';
import { parseDuration } from '../../model/duration';
import { RunbookIssue, RunbookResult } from '../../model/issue';
import { LOADER_FAILED, loadRunbook } from '../../model/load';
import { planRunbook } from '../../model/plan';
import { Runbook } from '../../model/runbook';
import { renderSealed, renderTemplate, templateRefs } from '../../model/template';
import { VALIDATOR_FAILED, validateRunbookObject } from '../../model/validate';

// LIFEBOAT_FUZZ_PROPERTIES=<n> runs every property n times as often (1 in the suite: fast-check's 100 runs, random seed).
fc.configureGlobal({ numRuns: 100 * Number(process.env.LIFEBOAT_FUZZ_PROPERTIES ?? 1) });

/**
 * A result is either a schema-valid runbook with a hash, or at least one well-formed issue. loadRunbook and
 * validateRunbookObject catch what their parts throw and report it as an issue, so "never throws" means: no issue
 * is that catch-all report.
 */
function wellFormed(result: RunbookResult): boolean {
  if (result.ok) return Runbook.safeParse(result.runbook).success && /^[0-9a-f]{64}$/.test(result.hash);
  const caught = (issue: RunbookIssue) => issue.message.startsWith(VALIDATOR_FAILED) || issue.message.startsWith(LOADER_FAILED);
  return result.errors.length > 0 && result.errors.every((issue) => RunbookIssue.safeParse(issue).success && issue.message.length > 0 && !caught(issue));
}

const ids = fc.constantFrom('a', 'b', 'check-lag', 'promote', 'Bad Id', '', 'x'.repeat(70));
const actions = fc.constantFrom('http', 'check', 'command', 'wait', 'approval', 'manual', 'notify', 'runbook', 'htp', '');
const durations = fc.constantFrom('1s', '5m', '0s', '31d', '1h30m', 'soon', '');
const snippets = fc.constantFrom(
  '{{ params.x }}',
  '{{ steps.a.outputs.y }}',
  '{{ steps.b.status }}',
  '{{ run.id }}',
  '{{ secrets.T }}',
  '{{ nope }}',
  '{{',
  '}}',
  'http://localhost',
  'text',
);
const templated = fc.array(snippets, { maxLength: 4 }).map((parts) => parts.join(''));
const conditions = fc.constantFrom("params.x == 'a'", 'steps.a.status == "succeeded"', 'secrets.T == 1', 'params.x =', '(((', 'true');
const withValues = fc.oneof(
  fc.record({ duration: durations }, { requiredKeys: [] }),
  fc.record({ url: templated, method: fc.constantFrom('GET', 'POST', 'BREW'), json: fc.jsonValue({ maxDepth: 2 }), body: templated }, { requiredKeys: [] }),
  fc.record({ approvers: fc.array(ids, { maxLength: 3 }), quorum: fc.oneof(fc.integer({ min: -2, max: 30 }), fc.double()) }, { requiredKeys: [] }),
  fc.record({ argv: fc.array(templated, { maxLength: 3 }), env: fc.dictionary(fc.string(), templated, { maxKeys: 2 }) }, { requiredKeys: [] }),
  fc.record(
    { channel: fc.constantFrom('email', 'webhook', 'sms'), recipients: fc.array(fc.constantFrom('a@example.com', 'nope'), { maxLength: 2 }), body: templated },
    { requiredKeys: [] },
  ),
  fc.anything({ maxDepth: 2 }),
);
const step = fc.record(
  {
    id: ids,
    action: actions,
    with: withValues,
    needs: fc.array(ids, { maxLength: 3 }),
    when: conditions,
    timeout: durations,
    expected: durations,
    retry: fc.record({ attempts: fc.integer({ min: -1, max: 200 }), backoff: durations }, { requiredKeys: [] }),
    onFailure: fc.constantFrom('abort', 'continue', 'rollback', 'ask', 'explode'),
    drill: fc.constantFrom('run', 'skip', 'simulate', 'maybe'),
    undo: fc.record({ action: actions, with: withValues }, { requiredKeys: [] }),
    outputs: fc.dictionary(fc.constantFrom('y', 'z', 'bad name'), fc.constantFrom('status', 'body.x', 'stdout', '', 'a..b')),
  },
  { requiredKeys: ['id', 'action'] },
);
const runbookShaped = fc.record(
  {
    id: fc.constantFrom('ok-id', 'Bad_Id', ''),
    title: fc.string(),
    parameters: fc.dictionary(
      fc.constantFrom('x', 'y', 'bad-name'),
      fc.record(
        { type: fc.constantFrom('string', 'number', 'enum', 'int'), values: fc.array(fc.string(), { maxLength: 2 }), default: fc.jsonValue({ maxDepth: 1 }) },
        { requiredKeys: ['type'] },
      ),
    ),
    recovery: fc.record({ endsAt: ids }),
    objectives: fc.record({ rto: durations }, { requiredKeys: [] }),
    steps: fc.array(step, { maxLength: 6 }),
  },
  { requiredKeys: ['steps'] },
);

describe('the validator, on any input', () => {
  it('never throws on arbitrary values', () => {
    fc.assert(fc.property(fc.anything(), (value) => wellFormed(validateRunbookObject(value))));
  });

  it('never throws on runbook-shaped objects', () => {
    fc.assert(fc.property(runbookShaped, (value) => wellFormed(validateRunbookObject(value))));
  });

  it('gives the same verdict for an object and its YAML text', () => {
    fc.assert(
      fc.property(runbookShaped, (shaped) => {
        const value: unknown = JSON.parse(JSON.stringify(shaped));
        const direct = validateRunbookObject(value);
        const loaded = loadRunbook(stringify(value));
        const paths = (r: RunbookResult) => (r.ok ? [] : r.errors.map((e) => e.path).sort());
        return direct.ok === loaded.ok && JSON.stringify(paths(direct)) === JSON.stringify(paths(loaded));
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => wellFormed(loadRunbook(text))));
    fc.assert(fc.property(fc.string(), (text) => wellFormed(loadRunbook(text, { format: 'json' }))));
  });

  it('never throws on YAML-like token soup', () => {
    const token = fc.constantFrom(
      '- ',
      ': ',
      '&a ',
      '*a',
      '[',
      ']',
      '{',
      '}',
      ',',
      '!!binary ',
      '!x ',
      '\n',
      '  ',
      'steps',
      'id',
      '"',
      "'",
      '|\n',
      '>\n',
      '---\n',
      '# c',
      '? ',
      '<<: ',
      'action: wait',
      '{{',
      '1e9',
      '.inf',
      '~',
      '\t',
    );
    fc.assert(fc.property(fc.array(token, { maxLength: 60 }), (tokens) => wellFormed(loadRunbook(tokens.join('')))));
  });
});

describe('conditions and templates, on any input', () => {
  it('parseCondition never throws, and evaluation only throws Errors', () => {
    const token = fc.constantFrom(
      'params.x',
      'steps.a.status',
      'run.mode',
      '==',
      '!=',
      '<',
      '>=',
      'in',
      '&&',
      '||',
      '!',
      '(',
      ')',
      '[',
      ']',
      ',',
      "'s'",
      '"t"',
      '1',
      '-2.5',
      'true',
      'null',
      ' ',
      '=',
      '&',
      '$',
    );
    const ctx = { params: { x: 1 }, steps: { a: { status: 'succeeded' } }, run: { mode: 'drill' } };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(token, { maxLength: 30 }).map((t) => t.join(' ')),
        ),
        (src) => {
          const parsed = parseCondition(src);
          if (!parsed.ok) return parsed.error.column >= 1 && parsed.error.message.length > 0;
          try {
            return typeof evaluateCondition(parsed.ast, ctx) === 'boolean';
          } catch (err) {
            return err instanceof Error;
          }
        },
      ),
    );
  });

  it('templateRefs never throws and rendering only throws Errors', () => {
    const piece = fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('{{', '}}', ' params.x ', "'", '"', 'run.id', 'secrets.K'));
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
        (text) => {
          templateRefs(text);
          try {
            renderTemplate(text, { params: { x: 1 }, run: { id: 'r' }, secrets: { K: 'k' } });
            renderSealed(text, { params: { x: 1 }, run: { id: 'r' } });
            return true;
          } catch (err) {
            return err instanceof Error;
          }
        },
      ),
    );
  });
});

describe('valid runbooks', () => {
  // A random DAG of steps that only need earlier steps.
  const dag = fc.array(fc.record({ minutes: fc.integer({ min: 1, max: 120 }), needs: fc.array(fc.nat(), { maxLength: 3 }) }), { minLength: 1, maxLength: 25 }).map((specs) => ({
    id: 'random-dag',
    title: 'Random DAG',
    steps: specs.map((spec, i) => ({
      id: `s${i}`,
      action: 'wait',
      with: { duration: `${spec.minutes}m` },
      ...(i > 0 ? { needs: [...new Set(spec.needs.map((n) => `s${n % i}`))] } : {}),
    })),
  }));

  it('validate, hash stably and plan a critical path that is a chain of needs', () => {
    fc.assert(
      fc.property(dag, (value) => {
        const result = loadRunbook(stringify(value));
        if (!result.ok) return false;
        const again = validateRunbookObject(JSON.parse(JSON.stringify(result.runbook)));
        if (!again.ok || again.hash !== result.hash) return false;
        const plan = planRunbook(result.runbook, { mode: 'recovery' });
        const byId = new Map(result.runbook.steps.map((s) => [s.id, s]));
        const chained = plan.criticalPath.every((id, i) => i === 0 || (byId.get(id)?.needs ?? []).includes(plan.criticalPath[i - 1] ?? ''));
        const sum = plan.criticalPath.reduce((ms, id) => {
          const s = byId.get(id);
          return ms + (s?.action === 'wait' ? (parseDuration(s.with.duration) ?? 0) : 0);
        }, 0);
        const longest = Math.max(...plan.steps.map((s) => s.earliestFinishMs));
        return chained && sum === plan.predictedMs && plan.predictedMs === longest && (byId.get(plan.criticalPath[0] ?? '')?.needs ?? []).length === 0;
      }),
    );
  });
});
