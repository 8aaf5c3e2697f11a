// A lenient reading of a runbook that may not match the schema, so cross-step checks (needs, cycles,
// references) still run and every error is reported at once.

export type StepView = {
  index: number;
  id: string | undefined;
  action: string | undefined;
  undoAction: string | undefined;
  needs: Array<{ id: string; index: number }>;
  when: string | undefined;
  with: unknown;
  undoWith: unknown;
  outputs: string[];
};

export type RunbookView = {
  steps: StepView[];
  params: string[];
  endsAt: string | undefined;
  /** Webhook URLs of notification rules, by rule index. */
  ruleUrls: Array<{ index: number; url: string }>;
  /** The notification rules as written. */
  rules: unknown[];
};

/** Reads whatever step ids, needs, conditions and templates a (possibly invalid) document holds. */
export function viewOf(doc: unknown): RunbookView {
  const steps = field(doc, 'steps');
  const rules = field(doc, 'notifications');
  return {
    steps: Array.isArray(steps) ? steps.map(stepView) : [],
    params: keysOf(field(doc, 'parameters')),
    endsAt: stringOrUndefined(field(field(doc, 'recovery'), 'endsAt')),
    rules: Array.isArray(rules) ? rules : [],
    ruleUrls: Array.isArray(rules)
      ? rules.flatMap((rule: unknown, index) => {
          const url = field(rule, 'url');
          return typeof url === 'string' ? [{ index, url }] : [];
        })
      : [],
  };
}

function stepView(step: unknown, index: number): StepView {
  const needs = field(step, 'needs');
  return {
    index,
    id: stringOrUndefined(field(step, 'id')),
    action: stringOrUndefined(field(step, 'action')),
    undoAction: stringOrUndefined(field(field(step, 'undo'), 'action')),
    needs: Array.isArray(needs) ? needs.flatMap((id: unknown, i) => (typeof id === 'string' ? [{ id, index: i }] : [])) : [],
    when: stringOrUndefined(field(step, 'when')),
    with: field(step, 'with'),
    undoWith: field(field(step, 'undo'), 'with'),
    outputs: keysOf(field(step, 'outputs')),
  };
}

function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.prototype.hasOwnProperty.call(value, key) ? Reflect.get(value, key) : undefined;
}

function keysOf(value: unknown): string[] {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
