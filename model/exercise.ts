// The drill definition in the runbook language: what a drill rehearses (`scenario`), how its success is judged
// (`successCriteria`), how its recovery point is measured (`objectives.rpoFrom`) and how often it is due
// (`drill.every`). Criteria are judged from the run's timeline when its report is built (report/criteria.ts); their
// cross-references are checked in exercise-checks.ts.
import { z } from 'zod';
import { parseReference } from './reference';
import { StepId } from './kit';

/** Step outcomes a criterion may ask for. */
export const CriterionOutcome = z.enum(['succeeded', 'failed', 'skipped', 'simulated']);
export type CriterionOutcome = z.infer<typeof CriterionOutcome>;

/** One success criterion, stated before the drill. */
export const SuccessCriterion = z
  .strictObject({
    statement: z.string().min(1).max(500).describe('What must be true for the drill to count as a success, in words people sign off.'),
    step: StepId.optional().describe("Ties the criterion to this step's outcome: met when the step ended with one of `outcome`."),
    outcome: z
      .array(CriterionOutcome)
      .min(1)
      .optional()
      .describe('The outcomes of `step` that meet the criterion (default: succeeded). A simulated step did nothing, so it is not counted as succeeded.'),
    condition: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .describe("A condition over the run's outputs and step statuses, in the `when` language (e.g. steps.verify.outputs.lag < 5), evaluated at the end."),
  })
  .meta({ id: 'RunbookSuccessCriterion' });
export type SuccessCriterion = z.infer<typeof SuccessCriterion>;

const CADENCE = /^([1-9][0-9]{0,3})([dw])$/;
const DAY_MS = 86_400_000;

/** How often a runbook is to be drilled: `90d`, `12w` (days or weeks, at most 9999). */
export const Cadence = z
  .string()
  .regex(CADENCE, { error: 'expected a cadence in days or weeks such as 90d or 12w' })
  .meta({ id: 'RunbookCadence', description: 'How often to drill: a number of days or weeks such as 90d or 12w.' });

/** The cadence in milliseconds. */
export function cadenceMs(text: string): number {
  const m = CADENCE.exec(text);
  if (!m) throw new Error(`'${text}' is not a cadence`);
  return Number(m[1]) * (m[2] === 'w' ? 7 : 1) * DAY_MS;
}

/** The runbook's top-level `drill` block. */
export const DrillProgramme = z
  .strictObject({ every: Cadence.optional().describe('How often this runbook is to be drilled, e.g. 90d; the drill programme marks it overdue after that.') })
  .meta({ id: 'RunbookDrillProgramme' });

/** `objectives.rpoFrom`: the step output that gives the achieved recovery point. */
export const RpoFrom = z
  .string()
  .refine((s) => parseReference(s)?.kind === 'output', { error: 'expected a step output such as steps.verify.outputs.dataLoss' })
  .describe(
    'The step output giving the achieved recovery point: a duration (4m), a number of seconds, or the ISO-8601 time of the last data recovered (measured to when the disaster was declared, else the run start).',
  );

export const Scenario = z.string().min(1).max(4000).describe('What the drill rehearses: the disaster assumed, its scope and what is out of scope (Markdown).');
