// Imported by workflow code (through template.ts and condition.ts): no Node built-ins, no I/O, no zod.

/** What a template or condition may read: one shape for both, so they can never disagree. */
export type Reference =
  | { kind: 'param'; name: string }
  | { kind: 'output'; step: string; name: string }
  | { kind: 'status'; step: string }
  | { kind: 'run'; field: RunField }
  | { kind: 'secret'; name: string };

export type RunField = 'id' | 'mode' | 'requester';
const RUN_FIELDS: readonly string[] = ['id', 'mode', 'requester'];

/** The values a reference resolves against while a run executes. */
export type ReferenceContext = {
  params?: Readonly<Record<string, unknown>>;
  steps?: Readonly<Record<string, { status?: string; outputs?: Readonly<Record<string, unknown>> }>>;
  run?: Readonly<Partial<Record<RunField, string>>>;
  secrets?: Readonly<Record<string, string>>;
};

export const REFERENCE_FORMS = 'params.NAME, steps.ID.outputs.NAME, steps.ID.status, run.id, run.mode, run.requester or secrets.NAME';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STEP_ID = /^[a-z][a-z0-9-_]*$/i;

/** Parses `params.region` and friends; undefined when the text is not one of REFERENCE_FORMS. */
export function parseReference(text: string): Reference | undefined {
  const parts = text.split('.');
  const [root, a, b, c] = parts;
  if (root === 'params' && parts.length === 2 && a !== undefined && NAME.test(a)) return { kind: 'param', name: a };
  if (root === 'secrets' && parts.length === 2 && a !== undefined && NAME.test(a)) return { kind: 'secret', name: a };
  if (root === 'run' && parts.length === 2 && a !== undefined && isRunField(a)) return { kind: 'run', field: a };
  if (root === 'steps' && a !== undefined && STEP_ID.test(a)) {
    if (parts.length === 3 && b === 'status') return { kind: 'status', step: a };
    if (parts.length === 4 && b === 'outputs' && c !== undefined && NAME.test(c)) {
      return { kind: 'output', step: a, name: c };
    }
  }
  return undefined;
}

function isRunField(field: string): field is RunField {
  return RUN_FIELDS.includes(field);
}

/** The canonical spelling of a reference, as it would appear inside `{{ }}`. */
export function referenceText(ref: Reference): string {
  switch (ref.kind) {
    case 'param':
      return `params.${ref.name}`;
    case 'secret':
      return `secrets.${ref.name}`;
    case 'run':
      return `run.${ref.field}`;
    case 'status':
      return `steps.${ref.step}.status`;
    case 'output':
      return `steps.${ref.step}.outputs.${ref.name}`;
  }
}

/** Resolves a reference; throws an Error naming it when the context has no such value. */
export function resolveReference(ref: Reference, ctx: ReferenceContext): unknown {
  const value = lookup(ref, ctx);
  if (value === undefined) throw new Error(`unknown reference ${referenceText(ref)}: ${missingReason(ref, ctx)}`);
  return value;
}

// Own-property reads only: a reference such as params.constructor must not reach Object.prototype.
function own(record: unknown, key: string): unknown {
  if (typeof record !== 'object' || record === null) return undefined;
  return Object.prototype.hasOwnProperty.call(record, key) ? Reflect.get(record, key) : undefined;
}

function lookup(ref: Reference, ctx: ReferenceContext): unknown {
  switch (ref.kind) {
    case 'param':
      return own(ctx.params, ref.name);
    case 'secret':
      return own(ctx.secrets, ref.name);
    case 'run':
      return own(ctx.run, ref.field);
    case 'status':
      return own(own(ctx.steps, ref.step), 'status');
    case 'output':
      return own(own(own(ctx.steps, ref.step), 'outputs'), ref.name);
  }
}

function missingReason(ref: Reference, ctx: ReferenceContext): string {
  switch (ref.kind) {
    case 'param':
      return 'the run has no such parameter';
    case 'secret':
      return 'no such secret is configured';
    case 'run':
      return 'the run context does not provide it';
    case 'status':
    case 'output':
      return own(ctx.steps, ref.step) === undefined ? `step ${ref.step} has not run` : `step ${ref.step} did not produce it`;
  }
}
