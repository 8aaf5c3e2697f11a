// The runbook language: this one zod schema is the TypeScript type, the validator and the published JSON
// Schema. Imported by workflow code, so besides zod it may only import pure model modules.
import { z } from 'zod';
import { ACTION_NAMES, ACTIONS, type ActionName } from '../actions';
import { CHANNELS } from '../channels';
import { CheckOp, Duration, Event, HttpMethod, MAX_QUORUM, Mode, Name, RunbookId, schemaKit, StepId, wholeNumber } from './kit';

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
    attempts: wholeNumber(1, MAX_ATTEMPTS).describe(`How many attempts in all, the first included (1 to ${MAX_ATTEMPTS}).`),
    backoff: Duration.default('1s').describe('How long to wait before the second attempt (default 1s).'),
    factor: z.number().min(1).max(10).default(2).describe('Each later wait is the previous one times this factor (1 to 10, default 2).'),
    maxBackoff: Duration.optional().describe('The longest wait between attempts, however many there were.'),
  })
  .meta({ id: 'RunbookRetry' });

type UndoName = { [A in ActionName]: Actions[A]['mayBeUndo'] extends true ? A : never }[ActionName];
const undoOf = <A extends ActionName>(action: A) => z.strictObject({ action: z.literal(action).describe('The action that undoes the step.'), with: ACTION_WITH[action] });
type UndoVariant = { [A in UndoName]: ReturnType<typeof undoOf<A>> }[UndoName];
const UNDO_NAMES = ACTION_NAMES.filter((name) => ACTIONS[name].mayBeUndo);
export const Undo = z.discriminatedUnion('action', UNDO_NAMES.map(undoOf) as unknown as [UndoVariant, ...UndoVariant[]]).meta({ id: 'RunbookUndo' });
export type Undo = z.infer<typeof Undo>;

const stepFields = {
  id: StepId.describe("The step's id, unique in the runbook: what `needs`, templates (`{{ steps.<id>.… }}`) and operators name it by."),
  title: z.string().max(200).optional().describe('A short human title, shown in the console, notifications and reports.'),
  needs: z.array(StepId).optional().describe('Steps that must finish before this one starts; steps with no path between them run in parallel.'),
  when: z
    .string()
    .optional()
    .describe("A condition such as `params.notifyCustomers == true && run.mode == 'recovery'`: the step runs only when it holds; otherwise it is skipped."),
  timeout: Duration.optional().describe("How long one attempt may take before it fails as timed out (default: the action's)."),
  retry: Retry.optional().describe('Retry a failed attempt automatically, with backoff.'),
  onFailure: OnFailure.default('abort').describe('What a failure does to the run: abort (default), continue, rollback (undo the steps that ran), or ask an operator.'),
};

function stepOf<A extends ActionName>(action: A) {
  const def = ACTIONS[action];
  const undo = def.mayHaveUndo ? Undo.optional() : z.never({ error: `${action} steps cannot have undo: there is nothing to roll back; remove undo` }).optional();
  return z.strictObject({
    ...stepFields,
    drill: DrillBehaviour.default(def.drill).describe(`What a drill does with this step: run it, skip it, or simulate it (default for ${action}: ${def.drill}).`),
    expected: Duration.optional().describe('How long the step usually takes: the planner predicts the recovery time from it.'),
    action: z.literal(action).describe('What the step does; it decides the fields of `with`.'),
    with: ACTION_WITH[action],
    undo: undo.describe('The step that reverses this one when the run rolls back (onFailure: rollback, or an abort with rollback).'),
    outputs: outputsFor(action).describe("Names for values of the step's result, for later steps: `{{ steps.<id>.outputs.<name> }}`; each is a dotted path into the result."),
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

const parameterFields = {
  required: z.boolean().default(false).describe('A run must give this parameter (default false).'),
  description: z.string().optional().describe('What the parameter means, shown where a run is started.'),
};
export const Parameter = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('string').describe('Any text.'), default: z.string().optional().describe('The value when a run gives none.'), ...parameterFields }),
    z.strictObject({ type: z.literal('number').describe('A number.'), default: z.number().optional().describe('The value when a run gives none.'), ...parameterFields }),
    z.strictObject({ type: z.literal('boolean').describe('true or false.'), default: z.boolean().optional().describe('The value when a run gives none.'), ...parameterFields }),
    z
      .strictObject({
        type: z.literal('enum').describe('One of `values`.'),
        values: z.array(z.string()).min(1).describe('The allowed values.'),
        default: z.string().optional().describe('The value when a run gives none; one of values.'),
        ...parameterFields,
      })
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
  id: RunbookId.describe("The runbook's id, in kebab-case (orders-db-failover): runs, schedules and uploads name it by this."),
  title: z.string().min(1).max(200).describe('A human title, shown in the console, notifications and reports.'),
  description: z.string().optional().describe('What the runbook recovers and when to use it.'),
  owner: z.string().optional().describe('The team or person who keeps the runbook up to date.'),
  tags: z.array(z.string().min(1)).optional().describe('Free-form labels for finding runbooks.'),
  objectives: z
    .strictObject({
      rto: Duration.optional().describe('Recovery time objective: how long recovery may take, measured to recovery.endsAt (or the end of the run).'),
      rpo: Duration.optional().describe('Recovery point objective: how much data loss is acceptable, stated for the report.'),
    })
    .optional()
    .describe('The recovery objectives a run is measured against.'),
  recovery: z
    .strictObject({ endsAt: StepId.optional().describe('The step that restores service: the RTO clock stops when it succeeds.') })
    .optional()
    .describe('Where recovery ends, for the RTO.'),
  parameters: z.record(Name, Parameter).optional().describe('Values a run is started with, read in templates as `{{ params.<name> }}`.'),
  notifications: z.array(NotificationRule).optional().describe('Who hears about which run events, by email, webhook or PagerDuty.'),
  steps: z.array(Step).min(1).max(MAX_STEPS).describe(`The steps, at most ${MAX_STEPS}; they run as soon as their needs are met.`),
});
export type Runbook = z.infer<typeof Runbook>;
