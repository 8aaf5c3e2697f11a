import { graphProblems } from './checks';
import { drillDefinitionProblems } from './exercise-checks';
import { runbookHash } from './hash';
import { DocPath, formatPath, Problem, RunbookIssue, RunbookResult } from './issue';
import { jsonShapeProblems } from './json-shape';
import { referenceProblems } from './ref-checks';
import { MAX_STEPS } from './runbook';
import { schemaProblems } from './schema-issues';
import { viewOf } from './view';
import { runbookWarnings } from './warnings';

/** Maps a document path to its 1-based source line, when the source is known. */
export type Locate = (at: DocPath) => number | undefined;

const MAX_ISSUES = 1000;

/** How a validator bug is reported (never thrown); tests treat any issue starting with it as a failure. */
export const VALIDATOR_FAILED = 'the validator failed unexpectedly';

/** Validates an already-parsed runbook (e.g. a JSON request body). Never throws. */
export function validateRunbookObject(value: unknown): RunbookResult {
  return validateDocument(value, () => undefined);
}

/** Validates a parsed document, reporting every problem at once with lines from `locate`. Never throws. */
export function validateDocument(value: unknown, locate: Locate): RunbookResult {
  try {
    const shape = jsonShapeProblems(value);
    if (shape.length > 0) return failure(shape, locate);
    const steps = typeof value === 'object' && value !== null ? Reflect.get(value, 'steps') : undefined;
    if (Array.isArray(steps) && steps.length > MAX_STEPS) {
      return failure([{ at: ['steps'], message: `has ${steps.length} steps, more than the limit of ${MAX_STEPS}; split it into child runbooks` }], locate);
    }
    const schema = schemaProblems(value);
    const view = viewOf(value);
    const graph = graphProblems(view);
    const problems = [...schema.problems, ...graph.problems, ...referenceProblems(view, graph.graph), ...drillDefinitionProblems(value, view)];
    if (schema.runbook === undefined || problems.length > 0) return failure(problems, locate);
    return {
      ok: true,
      runbook: schema.runbook,
      hash: runbookHash(schema.runbook),
      warnings: toIssues(runbookWarnings(schema.runbook), locate),
    };
  } catch (err) {
    // A validator bug must surface as a reported problem, never as a crash of the API or CLI.
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [{ path: '', message: `${VALIDATOR_FAILED} (${detail}); please report this runbook` }] };
  }
}

function failure(problems: Problem[], locate: Locate): RunbookResult {
  const errors = toIssues(problems, locate);
  if (errors.length === 0) errors.push({ path: '', message: 'the runbook is invalid' });
  return { ok: false, errors };
}

/** Gives problems printable paths and lines, drops exact repeats, and orders them as they appear in the source. */
function toIssues(problems: Problem[], locate: Locate): RunbookIssue[] {
  const seen = new Set<string>();
  const issues: RunbookIssue[] = [];
  for (const problem of problems) {
    const path = formatPath(problem.at);
    const key = `${path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const line = locate(problem.at);
    issues.push(line === undefined ? { path, message: problem.message } : { path, line, message: problem.message });
  }
  // Stable: issues without a line keep their relative order after those with one.
  issues.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  if (issues.length > MAX_ISSUES) {
    const hidden = issues.length - MAX_ISSUES;
    return [...issues.slice(0, MAX_ISSUES), { path: '', message: `…and ${hidden} more problems; fix these first` }];
  }
  return issues;
}
