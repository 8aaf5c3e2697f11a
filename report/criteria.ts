// Pure: the drill definition judged against what the timeline recorded. Criteria and the achieved RPO are evaluated
// when the report is built, not by the workflow: the timeline is the signed evidence, so the same verdict comes out
// every time from the same events, runs already recorded get verdicts too, and no workflow command changes (runs in
// flight keep replaying).
import { z } from 'zod';
import { evaluateCondition, parseCondition } from '../model/condition';
import { parseDuration } from '../model/duration';
import type { SuccessCriterion } from '../model/exercise';
import { parseReference, type ReferenceContext } from '../model/reference';

export const CriterionVerdict = z.enum(['met', 'not-met', 'not-evaluated']);
export type CriterionVerdict = z.infer<typeof CriterionVerdict>;

/** One success criterion with its verdict and why. */
export const ReportCriterion = z.object({
  statement: z.string(),
  step: z.string().optional(),
  condition: z.string().optional(),
  verdict: CriterionVerdict,
  reason: z.string().describe('What the verdict rests on: the step outcome, the condition, or why it could not be evaluated.'),
});
export type ReportCriterion = z.infer<typeof ReportCriterion>;

/** What the run recorded, as criteria read it: each step's final status and outputs. */
export interface Observations {
  ended: boolean;
  steps: Record<string, { status: string; outputs?: Record<string, unknown> }>;
  params: Record<string, unknown>;
  run: { id: string; mode: string; requester: string };
}

/** Every criterion with its verdict. */
export function judgeCriteria(criteria: readonly SuccessCriterion[], seen: Observations): ReportCriterion[] {
  return criteria.map((c) => ({ statement: c.statement, step: c.step, condition: c.condition, ...judge(c, seen) }));
}

function judge(c: SuccessCriterion, seen: Observations): { verdict: CriterionVerdict; reason: string } {
  if (c.step === undefined && c.condition === undefined) return { verdict: 'not-evaluated', reason: 'no step or condition is tied to it: people judge it' };
  if (!seen.ended) return { verdict: 'not-evaluated', reason: 'the run has not ended' };
  if (c.step !== undefined) {
    const wanted = c.outcome ?? ['succeeded'];
    const status = seen.steps[c.step]?.status ?? 'not-run';
    const met = (wanted as readonly string[]).includes(status);
    return { verdict: met ? 'met' : 'not-met', reason: `step ${c.step} ${status === 'not-run' ? 'never ran' : `ended ${status}`}${met ? '' : `; needed ${wanted.join(' or ')}`}` };
  }
  const parsed = parseCondition(c.condition ?? '');
  if (!parsed.ok) return { verdict: 'not-evaluated', reason: parsed.error.message };
  try {
    const met = evaluateCondition(parsed.ast, context(seen));
    return { verdict: met ? 'met' : 'not-met', reason: `${c.condition} is ${met}` };
  } catch (err) {
    return { verdict: 'not-evaluated', reason: err instanceof Error ? err.message : String(err) };
  }
}

function context(seen: Observations): ReferenceContext {
  return { params: seen.params, steps: seen.steps, run: seen.run };
}

/** The achieved recovery point, from the output `rpoFrom` names. */
export const ReportRpo = z.object({
  targetMs: z.number().optional(),
  achievedMs: z.number().optional(),
  marginMs: z.number().optional().describe('target − achieved: negative when the RPO was missed.'),
  met: z.boolean().optional(),
  from: z.string().optional().describe('The step output it was measured from (objectives.rpoFrom).'),
  note: z.string().optional().describe('Why it could not be measured, when it could not.'),
});
export type ReportRpo = z.infer<typeof ReportRpo>;

/**
 * The RPO achieved: the output is a duration (`4m`), a number of seconds, or the ISO-8601 time of the last data
 * recovered, measured to `disasterAt` (when the disaster was declared, else when the run started).
 */
export function measureRpo(o: { targetMs?: number; from?: string; seen: Observations; disasterAt: string }): ReportRpo {
  const { targetMs, from } = o;
  if (from === undefined) return { targetMs, note: targetMs === undefined ? undefined : 'objectives.rpoFrom is not set: the RPO achieved is not measured' };
  const ref = parseReference(from);
  const value = ref?.kind === 'output' ? o.seen.steps[ref.step]?.outputs?.[ref.name] : undefined;
  const achievedMs = rpoMs(value, o.disasterAt);
  if (achievedMs === undefined) {
    const why = value === undefined ? `${from} was not recorded (the step did not succeed)` : `${from} is ${JSON.stringify(value)}: not a duration, number of seconds or time`;
    return { targetMs, from, note: why };
  }
  const marginMs = targetMs === undefined ? undefined : targetMs - achievedMs;
  return { targetMs, achievedMs, marginMs, met: marginMs === undefined ? undefined : marginMs >= 0, from };
}

function rpoMs(value: unknown, disasterAt: string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (s === '0' || s === '0s') return 0;
  const d = parseDuration(s);
  if (d !== undefined) return d;
  const t = /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? undefined : Math.max(0, Date.parse(disasterAt) - t);
}
