// The runbook language: this one zod schema is the TypeScript type, the validator and the published JSON
// Schema. Imported by workflow code, so besides zod it may only import pure model modules.
import { z } from 'zod';
import { ACTION_NAMES, ACTIONS, type ActionName } from '../actions';
import { CHANNELS } from '../channels';
import { CheckOp, Duration, Event, HttpMethod, MAX_QUORUM, Mode, Name, RunbookId, schemaKit, StepId, wholeNumber } from './kit';
import { DrillProgramme, RpoFrom, Scenario, SuccessCriterion } from './exercise';

export { Duration, Event, Mode, RunbookId, StepId };

export const MAX_STEPS = 5000;
export const MAX_ATTEMPTS = 100;

export const DrillBehaviour = z.enum(['run', 'skip', 'simulate']);
export type DrillBehaviour = z.infer<typeof DrillBehaviour>;
export const OnFailure = z.enum(['abort', 'continue', 'rollback', 'ask']);
export type OnFailure = z.infer<typeof OnFailure>;
export { CheckOp, HttpMethod, MAX_QUORUM };

type Actions = typeof ACTIONS;
type WithOf<A extends ActionName> = ReturnType<Actions[A]['with']>;

/** The `with` schema of every action, built once from the action modules. */
export const ACTION_WITH = Object.fromEntries(ACTION_NAMES.map((name) => [name, ACTIONS[name].with(schemaKit)])) as { [A in ActionName]: WithOf<A> };

/** Where `outputs` paths may start, per action (see ActionDefinition.resultFields). */
export const ACTION_RESULT_FIELDS: Readonly<Record<ActionName, readonly string[] | undefined>> = Object.fromEntries(
  ACTION_NAMES.map((name) => [name, ACTIONS[name].resultFields]),
) as Record<ActionName, readonly string[] | undefined>;
export type Action = ActionName;

function outputsFor(action: ActionName) {
  const fields = ACTION_RESULT_FIELDS[action];
  const first = fields === undefined ? '[^.\\s]+' : fields.length === 0 ? '(?!)' : `(${fields.join('|')})`;
  const pattern = new RegExp(`^${first}(\\.[^.\\s]+)*$`);
  const message =
    fields === undefined
      ? 'expected a dotted path into the step result, without spaces or empty segments'
      : fields.length === 0
        ? `${action} steps have no result to read outputs from; remove outputs`
        : `expected a path into the ${action} result starting with ${fields.join(', ')}, such as ${fields[0] === 'status' ? 'body.replica.lag' : 'stdout'}`;
  return z.record(Name, z.string().regex(pattern, { error: message })).optional();
}

export const Retry = z
  .strictObject({
    attempts: wholeNumber(1, MAX_ATTEMPTS),
    backoff: Duration.default('1s'),
    factor: z.number().min(1).max(10).default(2),
    maxBackoff: Duration.optional(),
  })
  .meta({ id: 'RunbookRetry' });

type UndoName = { [A in ActionName]: Actions[A]['mayBeUndo'] extends true ? A : never }[ActionName];
const undoOf = <A extends ActionName>(action: A) => z.strictObject({ action: z.literal(action), with: ACTION_WITH[action] });
type UndoVariant = { [A in UndoName]: ReturnType<typeof undoOf<A>> }[UndoName];
const UNDO_NAMES = ACTION_NAMES.filter((name) => ACTIONS[name].mayBeUndo);
export const Undo = z.discriminatedUnion('action', UNDO_NAMES.map(undoOf) as unknown as [UndoVariant, ...UndoVariant[]]).meta({ id: 'RunbookUndo' });
export type Undo = z.infer<typeof Undo>;

const stepFields = {
  id: StepId,
  title: z.string().max(200).optional(),
  needs: z.array(StepId).optional(),
  when: z.string().optional(),
  timeout: Duration.optional(),
  retry: Retry.optional(),
  onFailure: OnFailure.default('abort'),
};

function stepOf<A extends ActionName>(action: A) {
  const def = ACTIONS[action];
  const undo = def.mayHaveUndo ? Undo.optional() : z.never({ error: `${action} steps cannot have undo: there is nothing to roll back; remove undo` }).optional();
  return z.strictObject({
    ...stepFields,
    drill: DrillBehaviour.default(def.drill),
    expected: Duration.optional(),
    action: z.literal(action),
    with: ACTION_WITH[action],
    undo,
    outputs: outputsFor(action),
  });
}
type StepVariant = { [A in ActionName]: ReturnType<typeof stepOf<A>> }[ActionName];

/** One step: `action` selects the schema of `with`, so errors point into the right fields. */
export const Step = z.discriminatedUnion('action', ACTION_NAMES.map(stepOf) as unknown as [StepVariant, ...StepVariant[]]).meta({ id: 'RunbookStep' });
export type Step = z.infer<typeof Step>;
/** A step of one action. */
export type StepOf<A extends ActionName> = Extract<Step, { action: A }>;
/** The `with` of a notify step: one of the channels' notify-step schemas. */
export const NotifyWith = ACTION_WITH.notify;

const parameterFields = { required: z.boolean().default(false), description: z.string().optional() };
export const Parameter = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('string'), default: z.string().optional(), ...parameterFields }),
    z.strictObject({ type: z.literal('number'), default: z.number().optional(), ...parameterFields }),
    z.strictObject({ type: z.literal('boolean'), default: z.boolean().optional(), ...parameterFields }),
    z
      .strictObject({ type: z.literal('enum'), values: z.array(z.string()).min(1), default: z.string().optional(), ...parameterFields })
      .refine((p) => p.default === undefined || p.values.includes(p.default), { error: 'default must be one of values', path: ['default'] }),
  ])
  .meta({ id: 'RunbookParameter' });
export type Parameter = z.infer<typeof Parameter>;

// Each channel declares its rule schema (channels/); the language's notification rules are their union.
const [firstRule, ...otherRules] = Object.values(CHANNELS).map((channel) => channel.schemas(schemaKit).rule);
if (!firstRule) throw new Error('no notification channel is registered');
export const NotificationRule = z.discriminatedUnion('channel', [firstRule, ...otherRules]).meta({ id: 'RunbookNotificationRule' });
export type NotificationRule = z.infer<typeof NotificationRule>;

/** A runbook as written in YAML or JSON, with defaults filled in once parsed. */
export const Runbook = z.strictObject({
  id: RunbookId,
  title: z.string().min(1).max(200),
  description: z.string().optional(),
  owner: z.string().optional(),
  tags: z.array(z.string().min(1)).optional(),
  objectives: z.strictObject({ rto: Duration.optional(), rpo: Duration.optional(), rpoFrom: RpoFrom.optional() }).optional(),
  scenario: Scenario.optional(),
  successCriteria: z
    .array(SuccessCriterion)
    .max(100)
    .optional()
    .describe('Statements that decide whether a drill succeeded, set before it runs; each report gives every one a verdict.'),
  drill: DrillProgramme.optional().describe('The drill programme of this runbook: how often it is to be drilled.'),
  recovery: z.strictObject({ endsAt: StepId.optional() }).optional(),
  parameters: z.record(Name, Parameter).optional(),
  notifications: z.array(NotificationRule).optional(),
  steps: z.array(Step).min(1).max(MAX_STEPS),
});
export type Runbook = z.infer<typeof Runbook>;
