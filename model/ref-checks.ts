import { conditionRefs, parseCondition } from './condition';
import { isUpstream, NeedsGraph } from './graph';
import { DocPath, Problem } from './issue';
import { Reference, REFERENCE_FORMS, referenceText } from './reference';
import { suggester } from './suggest';
import { scanTemplate } from './template';
import { RunbookView, StepView } from './view';

type Scope = {
  view: RunbookView;
  step: StepView;
  graph: NeedsGraph;
  outputsOf: Map<string, string[]>;
  suggestParam: (name: string) => string;
  suggestStep: (id: string) => string;
  /** An undo runs after its own step, so it may read that step's outputs. */
  allowSelf: boolean;
  inWhen: boolean;
};

/** Reference errors in `when`, `with` and `undo.with`: unknown names, undeclared outputs, steps not upstream. */
export function referenceProblems(view: RunbookView, graph: NeedsGraph): Problem[] {
  const outputsOf = new Map<string, string[]>();
  for (const step of view.steps) if (step.id !== undefined && !outputsOf.has(step.id)) outputsOf.set(step.id, step.outputs);
  const problems: Problem[] = [];
  const suggestParam = suggester(view.params);
  const suggestStep = suggester(outputsOf.keys());
  for (const step of view.steps) {
    const scope: Scope = { view, step, graph, outputsOf, suggestParam, suggestStep, allowSelf: false, inWhen: false };
    if (step.when !== undefined) problems.push(...whenProblems(step.when, ['steps', step.index, 'when'], { ...scope, inWhen: true }));
    problems.push(...templateProblems(step.with, ['steps', step.index, 'with'], scope));
    problems.push(...templateProblems(step.undoWith, ['steps', step.index, 'undo', 'with'], { ...scope, allowSelf: true }));
  }
  return [...problems, ...ruleUrlProblems(view)];
}

// Rules fire outside any step, from the engine, so the only thing their URL can draw on is a secret.
function ruleUrlProblems(view: RunbookView): Problem[] {
  return view.ruleUrls.flatMap(({ index, url }): Problem[] => {
    const at = ['notifications', index, 'url'];
    const { parts, error } = scanTemplate(url);
    if (error !== undefined) return [{ at, message: `template does not parse: ${error}` }];
    return parts.flatMap((part): Problem[] =>
      part.kind === 'ref' && part.ref?.kind !== 'secret'
        ? [{ at, message: `'{{ ${part.source} }}' is not allowed here: a notification rule's url can only use {{ secrets.NAME }}` }]
        : [],
    );
  });
}

function whenProblems(source: string, at: DocPath, scope: Scope): Problem[] {
  const parsed = parseCondition(source);
  if (!parsed.ok) return [{ at, message: `condition does not parse: ${parsed.error.message}` }];
  return conditionRefs(parsed.ast).flatMap((ref) => refProblem(ref, at, scope));
}

function templateProblems(value: unknown, at: DocPath, scope: Scope): Problem[] {
  if (typeof value === 'string') {
    const { parts, error } = scanTemplate(value);
    const problems: Problem[] = error === undefined ? [] : [{ at, message: `template does not parse: ${error}` }];
    for (const part of parts) {
      if (part.kind !== 'ref') continue;
      if (part.ref === undefined) problems.push({ at, message: `unknown reference '{{ ${part.source} }}'; use ${REFERENCE_FORMS}` });
      else problems.push(...refProblem(part.ref, at, scope));
    }
    return problems;
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => templateProblems(item, [...at, i], scope));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => templateProblems(item, [...at, key], scope));
  }
  return [];
}

function refProblem(ref: Reference, at: DocPath, scope: Scope): Problem[] {
  const problem = (message: string): Problem[] => [{ at, message }];
  const { view, step } = scope;
  switch (ref.kind) {
    case 'run':
      return [];
    case 'secret':
      return scope.inWhen ? problem(`conditions cannot read secrets (${referenceText(ref)}); decide on a parameter or a step output instead`) : [];
    case 'param':
      return view.params.includes(ref.name) ? [] : problem(`unknown parameter '${ref.name}'${scope.suggestParam(ref.name)}; declare it under parameters`);
    case 'status':
    case 'output': {
      const outputs = scope.outputsOf.get(ref.step);
      if (outputs === undefined) return problem(`${referenceText(ref)} names unknown step '${ref.step}'${scope.suggestStep(ref.step)}`);
      const self = ref.step === step.id;
      if (self && !scope.allowSelf) return problem(`step '${ref.step}' cannot read its own ${ref.kind === 'status' ? 'status' : 'outputs'} (only its undo can)`);
      if (!self && (step.id === undefined || !isUpstream(ref.step, step.id, scope.graph))) {
        return problem(
          `${referenceText(ref)} reads step '${ref.step}', which is not upstream of '${step.id ?? `steps[${step.index}]`}'; add '${ref.step}' to needs (directly or through another step) so it finishes first`,
        );
      }
      if (ref.kind === 'output' && !outputs.includes(ref.name)) {
        return problem(`step '${ref.step}' does not declare output '${ref.name}'${suggester(outputs)(ref.name)}; add it under that step's outputs`);
      }
      return [];
    }
  }
}
