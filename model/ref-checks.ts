import { ACTIONS } from '../actions';
import type { ActionDefinition } from '../actions/kit';
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
  /** The action whose `with` this is, and the path of that `with`: secrets may appear only in its secret fields. */
  action?: string;
  withAt?: DocPath;
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
    problems.push(...templateProblems(step.with, ['steps', step.index, 'with'], { ...scope, action: step.action, withAt: ['steps', step.index, 'with'] }));
    const undoAt = ['steps', step.index, 'undo', 'with'];
    problems.push(...templateProblems(step.undoWith, undoAt, { ...scope, allowSelf: true, action: step.undoAction, withAt: undoAt }));
  }
  return [...problems, ...ruleUrlProblems(view), ...ruleSecretProblems(view)];
}

// A secret is put in only where an activity sends it: anywhere else it would be shown or sent as written.
function secretPlaceProblem(ref: Reference, at: DocPath, scope: Scope): Problem[] {
  if (scope.action === undefined || scope.withAt === undefined) return [];
  const def = (ACTIONS as Record<string, ActionDefinition | undefined>)[scope.action];
  if (def === undefined) return [];
  const field = at[scope.withAt.length];
  const allowed = def.secrets?.in ?? [];
  if (typeof field === 'string' && allowed.includes(field)) return [];
  const fields = allowed.map((f) => `with.${f}`).join(', ');
  const why =
    scope.action === 'notify'
      ? "a notify step never sends a secret in its message; only a webhook's with.url may be one"
      : allowed.length
        ? `a ${scope.action} step takes secrets only in ${fields}`
        : `a ${scope.action} step never uses secrets`;
  return [{ at, message: `{{ ${referenceText(ref)} }} is not allowed here: ${why}` }];
}

// Rules may name a secret only as a webhook's url or a PagerDuty routing key, the places the activity puts one in.
function ruleSecretProblems(view: RunbookView): Problem[] {
  const problems: Problem[] = [];
  view.rules.forEach((rule, index) => {
    if (typeof rule !== 'object' || rule === null) return;
    for (const [key, value] of Object.entries(rule)) {
      if (key === 'url' || key === 'routingKey') continue;
      const walk = (item: unknown, at: DocPath): void => {
        if (typeof item === 'string') {
          if (scanTemplate(item).parts.some((p) => p.kind === 'ref' && p.ref?.kind === 'secret')) {
            problems.push({ at, message: "{{ secrets.… }} is not allowed here: a notification rule may use a secret only as a webhook's url or a PagerDuty routingKey" });
          }
        } else if (Array.isArray(item)) item.forEach((x, i) => walk(x, [...at, i]));
      };
      walk(value, ['notifications', index, key]);
    }
  });
  return problems;
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
      return scope.inWhen ? problem(`conditions cannot read secrets (${referenceText(ref)}); decide on a parameter or a step output instead`) : secretPlaceProblem(ref, at, scope);
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
