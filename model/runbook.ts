// The runbook language: this one zod schema is the TypeScript type, the validator and the published JSON
// Schema. Imported by workflow code, so besides zod it may only import pure model modules.
import { z } from 'zod';
import { CHANNELS } from '../channels';
import { Duration, Email, Event, Headers, Name, Role, RunbookId, schemaKit, StatusCode, StepId, Url, wholeNumber } from './kit';

export { Duration, Event, RunbookId, StepId };

/** The largest approval quorum accepted; roles are open-ended, so this is a sanity bound, not a head count. */
export const MAX_QUORUM = 20;
export const MAX_STEPS = 5000;
export const MAX_ATTEMPTS = 100;

export const Mode = z.enum(['drill', 'recovery']);
export type Mode = z.infer<typeof Mode>;
export const DrillBehaviour = z.enum(['run', 'skip', 'simulate']);
export type DrillBehaviour = z.infer<typeof DrillBehaviour>;
export const OnFailure = z.enum(['abort', 'continue', 'rollback', 'ask']);
export type OnFailure = z.infer<typeof OnFailure>;
export const HttpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
export const CheckOp = z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in']);

export const HttpWith = z
  .strictObject({
    method: HttpMethod.default('GET'),
    url: Url,
    headers: Headers.optional(),
    json: z.unknown().optional(),
    body: z.string().optional(),
    expect: z.union([StatusCode, z.array(StatusCode).min(1)], { error: 'expected a status code such as 200, or a list of them' }).optional(),
  })
  .refine((w) => w.json === undefined || w.body === undefined, { error: 'set json or body, not both', path: ['body'] })
  .meta({ id: 'RunbookHttpWith' });

export const CheckUntil = z
  .strictObject({ status: StatusCode.optional(), path: z.string().min(1).optional(), op: CheckOp, value: z.unknown() })
  .superRefine((until, ctx) => {
    if (until.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'is required: the value to compare against' });
    else if (until.op === 'in' && !Array.isArray(until.value) && typeof until.value !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: "op 'in' needs a list (or a string to search)" });
    } else if (['lt', 'lte', 'gt', 'gte'].includes(until.op) && typeof until.value !== 'number' && typeof until.value !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op '${until.op}' needs a number or a string` });
    }
  })
  .meta({ id: 'RunbookCheckUntil' });

export const CheckWith = z.strictObject({
  url: Url,
  method: HttpMethod.default('GET'),
  headers: Headers.optional(),
  every: Duration.default('5s'),
  until: CheckUntil,
}).meta({ id: 'RunbookCheckWith' });

export const CommandWith = z.strictObject({
  argv: z.array(z.string()).min(1),
  cwd: z.string().min(1).optional(),
  env: z.record(Name, z.string()).optional(),
}).meta({ id: 'RunbookCommandWith' });

export const WaitWith = z.strictObject({ duration: Duration }).meta({ id: 'RunbookWaitWith' });

export const ApprovalWith = z.strictObject({
  approvers: z.array(Role).min(1),
  quorum: wholeNumber(1)
    .max(MAX_QUORUM, { error: `a quorum above ${MAX_QUORUM} is not accepted: roles are open-ended, so no one can check that many approvers exist; lower it` })
    .default(1),
  allowSelfApproval: z.boolean().default(false),
  escalate: z.strictObject({ after: Duration, notify: z.array(Email).min(1) }).optional(),
  onTimeout: z.enum(['abort', 'continue', 'fail']).default('abort'),
  instructions: z.string().optional(),
}).meta({ id: 'RunbookApprovalWith' });

export const ManualWith = z.strictObject({ instructions: z.string().min(1), assignee: Role.optional() }).meta({ id: 'RunbookManualWith' });

// Each channel declares its rule and notify-step schemas (channels/); the language is their union.
const channelSchemas = Object.values(CHANNELS).map((channel) => channel.schemas(schemaKit));
const [firstStep, ...otherSteps] = channelSchemas.flatMap((s) => (s.step === undefined ? [] : [s.step]));
const [firstRule, ...otherRules] = channelSchemas.map((s) => s.rule);
if (!firstStep || !firstRule) throw new Error('no channel has notify steps or rules');
export const NotifyWith = z.discriminatedUnion('channel', [firstStep, ...otherSteps]).meta({ id: 'RunbookNotifyWith' });

export const RunbookWith = z.strictObject({
  runbook: RunbookId,
  version: wholeNumber(1).optional(),
  parameters: z.record(Name, z.unknown()).optional(),
}).meta({ id: 'RunbookWith' });

/**
 * Where `outputs` paths may start, for the actions whose result shape is part of the language. The other
 * actions' results are defined by the engine, so their paths are only checked for syntax.
 */
export const ACTION_RESULT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  http: ['status', 'headers', 'body'],
  check: ['status', 'headers', 'body'],
  command: ['exitCode', 'stdout', 'stderr'],
  wait: [],
};
export type Action = Step['action'];

function outputsFor(action: string) {
  const fields = ACTION_RESULT_FIELDS[action];
  const first = fields === undefined ? '[^.\\s]+' : fields.length === 0 ? '(?!)' : `(${fields.join('|')})`;
  const pattern = new RegExp(`^${first}(\\.[^.\\s]+)*$`);
  const message =
    fields === undefined ? 'expected a dotted path into the step result, without spaces or empty segments'
    : fields.length === 0 ? `${action} steps have no result to read outputs from; remove outputs`
    : `expected a path into the ${action} result starting with ${fields.join(', ')}, such as ${fields[0] === 'status' ? 'body.replica.lag' : 'stdout'}`;
  return z.record(Name, z.string().regex(pattern, { error: message })).optional();
}

export const Retry = z.strictObject({
  attempts: wholeNumber(1, MAX_ATTEMPTS),
  backoff: Duration.default('1s'),
  factor: z.number().min(1).max(10).default(2),
  maxBackoff: Duration.optional(),
}).meta({ id: 'RunbookRetry' });

const UNDOABLE = { http: HttpWith, check: CheckWith, command: CommandWith, notify: NotifyWith } as const;
const undoOf = <A extends keyof typeof UNDOABLE>(action: A) => z.strictObject({ action: z.literal(action), with: UNDOABLE[action] });
export const Undo = z.discriminatedUnion('action', [undoOf('http'), undoOf('check'), undoOf('command'), undoOf('notify')]).meta({ id: 'RunbookUndo' });
export type Undo = z.infer<typeof Undo>;

const stepFields = {
  id: StepId,
  title: z.string().max(200).optional(),
  needs: z.array(StepId).optional(),
  when: z.string().optional(),
  timeout: Duration.optional(),
  retry: Retry.optional(),
  onFailure: OnFailure.default('abort'),
  drill: DrillBehaviour.default('run'),
  expected: Duration.optional(),
};

function stepOf<A extends string, W extends z.ZodType>(action: A, withSchema: W, undoable: boolean) {
  const undo = undoable ? Undo.optional() : z.never({ error: `${action} steps cannot have undo: there is nothing to roll back; remove undo` }).optional();
  return z.strictObject({ ...stepFields, action: z.literal(action), with: withSchema, undo, outputs: outputsFor(action) });
}

/** One step: `action` selects the schema of `with`, so errors point into the right fields. */
export const Step = z.discriminatedUnion('action', [
  stepOf('http', HttpWith, true),
  stepOf('check', CheckWith, true),
  stepOf('command', CommandWith, true),
  stepOf('wait', WaitWith, false),
  stepOf('approval', ApprovalWith, false),
  stepOf('manual', ManualWith, false),
  stepOf('notify', NotifyWith, true),
  stepOf('runbook', RunbookWith, true),
]).meta({ id: 'RunbookStep' });
export type Step = z.infer<typeof Step>;

const parameterFields = { required: z.boolean().default(false), description: z.string().optional() };
export const Parameter = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('string'), default: z.string().optional(), ...parameterFields }),
  z.strictObject({ type: z.literal('number'), default: z.number().optional(), ...parameterFields }),
  z.strictObject({ type: z.literal('boolean'), default: z.boolean().optional(), ...parameterFields }),
  z
    .strictObject({ type: z.literal('enum'), values: z.array(z.string()).min(1), default: z.string().optional(), ...parameterFields })
    .refine((p) => p.default === undefined || p.values.includes(p.default), { error: 'default must be one of values', path: ['default'] }),
]).meta({ id: 'RunbookParameter' });
export type Parameter = z.infer<typeof Parameter>;

export const NotificationRule = z.discriminatedUnion('channel', [firstRule, ...otherRules]).meta({ id: 'RunbookNotificationRule' });
export type NotificationRule = z.infer<typeof NotificationRule>;

/** A runbook as written in YAML or JSON, with defaults filled in once parsed. */
export const Runbook = z.strictObject({
  id: RunbookId,
  title: z.string().min(1).max(200),
  description: z.string().optional(),
  owner: z.string().optional(),
  tags: z.array(z.string().min(1)).optional(),
  objectives: z.strictObject({ rto: Duration.optional(), rpo: Duration.optional() }).optional(),
  recovery: z.strictObject({ endsAt: StepId.optional() }).optional(),
  parameters: z.record(Name, Parameter).optional(),
  notifications: z.array(NotificationRule).optional(),
  steps: z.array(Step).min(1).max(MAX_STEPS),
});
export type Runbook = z.infer<typeof Runbook>;
