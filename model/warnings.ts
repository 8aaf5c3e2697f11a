import { parseDuration } from './duration';
import { layersOf } from './graph';
import { actionOf } from '../actions';
import { Problem } from './issue';
import { Runbook, Step } from './runbook';

/** Things that are valid but probably not what the author meant. */
export function runbookWarnings(runbook: Runbook): Problem[] {
  const warnings: Problem[] = [];
  for (const [name, parameter] of Object.entries(runbook.parameters ?? {})) {
    if (parameter.required && parameter.default !== undefined) {
      warnings.push({ at: ['parameters', name, 'required'], message: 'has no effect: the parameter has a default; drop required or the default' });
    }
  }
  if (runbook.objectives?.rto !== undefined && runbook.recovery?.endsAt === undefined) {
    warnings.push({
      at: ['objectives', 'rto'],
      message: 'the RTO is measured to the end of the whole run; set recovery.endsAt to the step that restores service',
    });
  }
  const undoable = undoableSoFar(runbook);
  runbook.steps.forEach((step, index) => {
    const at = (...rest: string[]) => ['steps', index, ...rest];
    const timeout = step.timeout === undefined ? undefined : parseDuration(step.timeout);
    const expected = step.expected === undefined ? undefined : parseDuration(step.expected);
    if (timeout !== undefined && expected !== undefined && expected > timeout) {
      warnings.push({ at: at('expected'), message: `is longer than the timeout (${step.timeout}); the step would usually time out` });
    }
    const needs = step.needs ?? [];
    if (new Set(needs).size < needs.length) warnings.push({ at: at('needs'), message: 'lists the same step more than once' });
    if (step.onFailure === 'rollback' && !undoable.has(step.id)) {
      warnings.push({ at: at('onFailure'), message: 'rollback has nothing to undo: neither this step nor any step before it has undo' });
    }
    if (step.retry?.maxBackoff !== undefined && (parseDuration(step.retry.maxBackoff) ?? 0) < (parseDuration(step.retry.backoff) ?? 0)) {
      warnings.push({ at: at('retry', 'maxBackoff'), message: `is shorter than backoff (${step.retry.backoff}), so every wait is capped at it` });
    }
    warnings.push(...actionWarnings(step, at));
  });
  return warnings;
}

// Steps that have an undo themselves or somewhere upstream, in one pass over the DAG in topological order.
function undoableSoFar(runbook: Runbook): Set<string> {
  const byId = new Map(runbook.steps.map((step) => [step.id, step]));
  const graph = new Map(runbook.steps.map((step) => [step.id, step.needs ?? []]));
  const reached = new Set<string>();
  for (const id of layersOf(graph).flat()) {
    const step = byId.get(id);
    const own = step !== undefined && 'undo' in step && step.undo !== undefined;
    if (own || (graph.get(id) ?? []).some((need) => reached.has(need))) reached.add(id);
  }
  return reached;
}

function actionWarnings(step: Step, at: (...rest: string[]) => Array<string | number>): Problem[] {
  return (actionOf(step.action).warnings?.(step) ?? []).map((w) => ({ at: at(...w.at), message: w.message }));
}
