// Shared pieces of the runbook language. Action and channel modules receive them as a `SchemaKit` argument
// (with `import type` only), so the workflow bundle, which imports those modules to execute them, never loads zod.
import { z } from 'zod';
import { DURATION_PATTERN, durationProblem } from './duration';
import { hasTemplate } from './template';

const RUNBOOK_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const STEP_ID = /^[a-z][a-z0-9-_]*$/i;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const HTTP_URL = /^https?:\/\/[^\s/?#]+/i;

// Shared pieces carry a `meta` id so the JSON Schema names them in $defs; the ids start with Runbook so they
// cannot collide with other schemas converted together (for example in the OpenAPI document).
export const Duration = z
  .string()
  .superRefine((text, ctx) => {
    const problem = durationProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ id: 'RunbookDuration', pattern: DURATION_PATTERN, description: 'A duration such as 30s, 15m, 4h, 1h30m, 500ms or 2d (at most 30 days).' });

export const RunbookId = z.string().max(100).regex(RUNBOOK_ID, { error: 'expected a kebab-case id such as orders-db-failover' }).meta({ id: 'RunbookId' });
export const StepId = z.string().max(64).regex(STEP_ID, { error: 'expected a step id: a letter, then letters, digits, - or _' }).meta({ id: 'RunbookStepId' });
export const Name = z.string().max(64).regex(NAME, { error: 'expected a name: a letter or _, then letters, digits or _' });
export const Role = z.string().max(64).regex(STEP_ID, { error: 'expected a role name such as dba or incident-commander' }).meta({ id: 'RunbookRole' });

export function wholeNumber(min: number, max?: number) {
  const message = max === undefined ? `expected a whole number ≥ ${min}` : `expected a whole number from ${min} to ${max}`;
  // A missing value falls through to the generic "is required" message.
  const error = (issue: { input?: unknown }) => (issue.input === undefined ? undefined : message);
  const atLeast = z.int({ error }).min(min, { error });
  return max === undefined ? atLeast : atLeast.max(max, { error });
}

// Strings that may carry templates can only be checked statically when they have none.
export function staticOr(pattern: RegExp, message: string) {
  return z.string().refine((s) => hasTemplate(s) || pattern.test(s), { error: message });
}
export const Url = staticOr(HTTP_URL, 'expected an http:// or https:// URL, or a template such as {{ params.baseUrl }}/health').meta({ id: 'RunbookUrl' });
export const Email = staticOr(EMAIL, 'expected an email address such as dr-team@example.com').meta({ id: 'RunbookEmail' });
export const StatusCode = wholeNumber(100, 599).meta({ id: 'RunbookStatusCode' });
export const Headers = z.record(z.string().min(1), z.string()).meta({ id: 'RunbookHeaders' });

export const Event = z
  .enum(['run.started', 'run.finished', 'run.failed', 'run.completed', 'step.failed', 'approval.requested', 'approval.escalated', 'manual.assigned', 'decision.needed'])
  .meta({ id: 'RunbookEvent' });
export type Event = z.infer<typeof Event>;

export const HttpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
export const CheckOp = z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in']);

export const CheckUntil = z
  .strictObject({
    status: StatusCode.optional().describe('The response must have this status.'),
    path: z.string().min(1).optional().describe('A dotted path into the JSON body (replica.lag); without it, op and value apply to the status code.'),
    op: CheckOp.describe('How the value at path compares with value: eq, ne, lt, lte, gt, gte or in.'),
    value: z.unknown().describe('What to compare against: a number, a string, or a list for in.'),
  })
  .superRefine((until, ctx) => {
    if (until.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'is required: the value to compare against' });
    else if (until.op === 'in' && !Array.isArray(until.value) && typeof until.value !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: "op 'in' needs a list (or a string to search)" });
    } else if (['lt', 'lte', 'gt', 'gte'].includes(until.op) && typeof until.value !== 'number' && typeof until.value !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op '${until.op}' needs a number or a string` });
    }
  })
  .meta({ id: 'RunbookCheckUntil' });

/** A comma-separated environment variable as a list of its non-empty, trimmed items (empty when unset). */
export function commaList() {
  return z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    );
}

/** What a run is: a rehearsal (drill-safe steps) or the real thing. */
export const Mode = z.enum(['drill', 'recovery']);
export type Mode = z.infer<typeof Mode>;

/** The largest approval quorum accepted; roles are open-ended, so this is a sanity bound, not a head count. */
export const MAX_QUORUM = 20;

/** Everything action and channel modules build their schemas from. */
export const schemaKit = {
  z,
  Duration,
  RunbookId,
  StepId,
  Name,
  Role,
  Url,
  Email,
  StatusCode,
  Headers,
  Event,
  HttpMethod,
  CheckOp,
  CheckUntil,
  MAX_QUORUM,
  wholeNumber,
  staticOr,
  HTTP_URL,
  commaList,
} as const;
export type SchemaKit = typeof schemaKit;
