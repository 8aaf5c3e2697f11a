// A static estimate of how long a run takes. Pure: imports nothing with side effects.
import { z } from 'zod';
import { actionOf } from '../actions';
import { drillBehaviour } from './drill';
import { formatDuration, parseDuration } from './duration';
import { layersOf } from './graph';
import { DrillBehaviour, Mode, type Runbook, type Step } from './runbook';

export const PlannedStep = z.object({
  id: z.string(),
  action: z.string(),
  /** Index into `stages`. */
  stage: z.int(),
  expectedMs: z.number(),
  basis: z.enum(['expected', 'timeout', 'default']),
  drill: DrillBehaviour,
  earliestStartMs: z.number(),
  earliestFinishMs: z.number(),
});
export type PlannedStep = z.infer<typeof PlannedStep>;

export const Plan = z.object({
  mode: Mode,
  stages: z.array(z.array(z.string())),
  criticalPath: z.array(z.string()),
  /** Time until recovery.endsAt finishes (or the whole run, without endsAt). */
  predictedMs: z.number(),
  /** Time until the last step finishes. */
  totalMs: z.number(),
  rtoMs: z.number().optional(),
  meetsRto: z.boolean().optional(),
  warnings: z.array(z.string()),
  steps: z.array(PlannedStep),
});
export type Plan = z.infer<typeof Plan>;

/** Plans a validated runbook: parallel stages, the critical path and the predicted time against the RTO. */
export function planRunbook(runbook: Runbook, opts: { mode: Mode }): Plan {
  const byId = new Map(runbook.steps.map((step) => [step.id, step]));
  const graph = new Map(runbook.steps.map((step) => [step.id, [...new Set(step.needs ?? [])].filter((id) => byId.has(id))]));
  const stages = layersOf(graph);
  const planned = new Map<string, PlannedStep>();
  const criticalNeed = new Map<string, string>();
  stages.forEach((stage, index) => {
    for (const id of stage) {
      const step = byId.get(id);
      if (step === undefined) continue;
      let start = 0;
      for (const need of graph.get(id) ?? []) {
        const finish = planned.get(need)?.earliestFinishMs ?? 0;
        if (finish > start || !criticalNeed.has(id)) criticalNeed.set(id, need);
        start = Math.max(start, finish);
      }
      const drill = drillBehaviour(step, opts.mode);
      const { ms, basis } = estimate(step);
      const expectedMs = drill === 'run' ? ms : 0;
      planned.set(id, { id, action: step.action, stage: index, expectedMs, basis, drill, earliestStartMs: start, earliestFinishMs: start + expectedMs });
    }
  });
  const steps = runbook.steps.flatMap((step) => planned.get(step.id) ?? []);
  const totalMs = Math.max(0, ...steps.map((step) => step.earliestFinishMs));
  const target = endStep(runbook, planned, steps);
  const criticalPath = target === undefined ? [] : pathTo(target.id, criticalNeed);
  const predictedMs = target?.earliestFinishMs ?? 0;
  const rtoMs = runbook.objectives?.rto === undefined ? undefined : parseDuration(runbook.objectives.rto);
  const meetsRto = rtoMs === undefined ? undefined : predictedMs <= rtoMs;
  const warnings = planWarnings({ runbook, steps, criticalPath, predictedMs, rtoMs });
  return { mode: opts.mode, stages, criticalPath, predictedMs, totalMs, rtoMs, meetsRto, warnings, steps };
}

function estimate(step: Step): { ms: number; basis: PlannedStep['basis'] } {
  const expected = step.expected === undefined ? undefined : parseDuration(step.expected);
  if (expected !== undefined) return { ms: expected, basis: 'expected' };
  const def = actionOf(step.action);
  // An action whose own figure is exact (a wait's duration) beats the step's timeout.
  if (def.exactEstimate) return { ms: def.expectedMs(step.with), basis: 'default' };
  const timeout = step.timeout === undefined ? undefined : parseDuration(step.timeout);
  if (timeout !== undefined) return { ms: timeout, basis: 'timeout' };
  return { ms: def.expectedMs(step.with), basis: 'default' };
}

// Recovery ends at recovery.endsAt when set; otherwise at whichever step finishes last.
function endStep(runbook: Runbook, planned: Map<string, PlannedStep>, steps: PlannedStep[]): PlannedStep | undefined {
  const endsAt = runbook.recovery?.endsAt;
  if (endsAt !== undefined && planned.has(endsAt)) return planned.get(endsAt);
  return steps.reduce<PlannedStep | undefined>((last, step) => (last === undefined || step.earliestFinishMs > last.earliestFinishMs ? step : last), undefined);
}

function pathTo(id: string, criticalNeed: Map<string, string>): string[] {
  const path = [id];
  for (let need = criticalNeed.get(id); need !== undefined; need = criticalNeed.get(need)) path.unshift(need);
  return path;
}

function planWarnings(p: { runbook: Runbook; steps: PlannedStep[]; criticalPath: string[]; predictedMs: number; rtoMs: number | undefined }): string[] {
  const warnings: string[] = [];
  if (p.rtoMs !== undefined && p.predictedMs > p.rtoMs) {
    warnings.push(
      `predicted recovery time ${formatDuration(p.predictedMs)} exceeds the RTO of ${formatDuration(p.rtoMs)} by ` +
        `${formatDuration(p.predictedMs - p.rtoMs)}; shorten the critical path ${p.criticalPath.join(' → ')} or run more steps in parallel`,
    );
  }
  const guessed = p.steps.filter((step) => step.basis === 'default' && !actionOf(step.action).exactEstimate && step.drill === 'run');
  if (guessed.length > 0) {
    warnings.push(
      `${guessed.map((step) => `${step.id} (${step.action})`).join(', ')} ${guessed.length === 1 ? 'has' : 'have'} neither expected nor timeout; ` +
        'the plan assumes action defaults, so set expected for a better estimate',
    );
  }
  const plannedIds = new Set(p.steps.map((step) => step.id));
  const left = p.runbook.steps.filter((step) => !plannedIds.has(step.id));
  if (left.length > 0) warnings.push(`left out of the plan because of a needs cycle: ${left.map((step) => step.id).join(', ')}`);
  return warnings;
}
