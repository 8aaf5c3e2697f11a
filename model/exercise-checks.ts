import { conditionRefs, parseCondition } from './condition';
import type { Problem } from './issue';
import { parseReference, referenceText, type Reference } from './reference';
import type { RunbookView } from './view';

// Reads the document leniently (like model/view.ts), so these errors come with every schema error at once.
const get = (o: unknown, key: string): unknown => (typeof o === 'object' && o !== null && !Array.isArray(o) ? Reflect.get(o, key) : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Cross-reference errors of the drill definition: criteria and rpoFrom must name steps and outputs the runbook has. */
export function drillDefinitionProblems(doc: unknown, view: RunbookView): Problem[] {
  const steps = new Map(view.steps.flatMap((s) => (s.id === undefined ? [] : [[s.id, s] as const])));
  const problems: Problem[] = [];
  const stepIds = [...steps.keys()].join(', ');
  const checkRef = (ref: Reference, at: Array<string | number>) => {
    if (ref.kind !== 'output' && ref.kind !== 'status') return;
    const step = steps.get(ref.step);
    if (!step) problems.push({ at, message: `unknown step '${ref.step}' in ${referenceText(ref)}; name one of ${stepIds}` });
    else if (ref.kind === 'output' && !step.outputs.includes(ref.name))
      problems.push({ at, message: `step ${ref.step} declares no output '${ref.name}'; add it to the step's outputs` });
  };
  const criteria = get(doc, 'successCriteria');
  (Array.isArray(criteria) ? criteria : []).forEach((c: unknown, i) => {
    const at = ['successCriteria', i];
    const step = text(get(c, 'step'));
    const condition = text(get(c, 'condition'));
    if (step !== undefined && condition !== undefined) problems.push({ at, message: 'give either step (with outcome) or condition, not both' });
    if (get(c, 'outcome') !== undefined && step === undefined) problems.push({ at: [...at, 'outcome'], message: 'outcome needs step: name the step whose outcome counts' });
    if (step !== undefined && !steps.has(step)) problems.push({ at: [...at, 'step'], message: `unknown step '${step}'; name one of ${stepIds}` });
    if (condition !== undefined && condition !== '') {
      const parsed = parseCondition(condition);
      if (!parsed.ok) problems.push({ at: [...at, 'condition'], message: parsed.error.message });
      else for (const ref of conditionRefs(parsed.ast)) checkRef(ref, [...at, 'condition']);
    }
  });
  const objectives = get(doc, 'objectives');
  const from = text(get(objectives, 'rpoFrom'));
  if (from !== undefined) {
    if (get(objectives, 'rpo') === undefined)
      problems.push({ at: ['objectives', 'rpoFrom'], message: 'rpoFrom measures the RPO: set objectives.rpo, the target it is measured against' });
    const ref = parseReference(from);
    if (ref) checkRef(ref, ['objectives', 'rpoFrom']);
  }
  return problems;
}
