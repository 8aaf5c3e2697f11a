import { findCycles, NeedsGraph } from './graph';
import { Problem } from './issue';
import { suggester } from './suggest';
import { RunbookView } from './view';

/** Step-graph errors: duplicate ids, needs naming unknown steps, cycles, and an unknown recovery.endsAt. */
export function graphProblems(view: RunbookView): { problems: Problem[]; graph: NeedsGraph } {
  const problems: Problem[] = [];
  const firstIndex = new Map<string, number>();
  for (const step of view.steps) {
    if (step.id === undefined) continue;
    const first = firstIndex.get(step.id);
    if (first === undefined) firstIndex.set(step.id, step.index);
    else {
      problems.push({
        at: ['steps', step.index, 'id'],
        message: `duplicate step id '${step.id}' (steps[${first}] already uses it); give each step its own id`,
      });
    }
  }
  const suggestStep = suggester(firstIndex.keys());
  const graph = new Map<string, string[]>();
  for (const step of view.steps) {
    const known: string[] = [];
    for (const need of step.needs) {
      const at = ['steps', step.index, 'needs', need.index];
      if (need.id === step.id) problems.push({ at, message: `a step cannot need itself; remove '${need.id}'` });
      else if (!firstIndex.has(need.id)) {
        problems.push({ at, message: `unknown step '${need.id}'${suggestStep(need.id)}; needs must name steps of this runbook` });
      } else if (!known.includes(need.id)) known.push(need.id);
    }
    if (step.id !== undefined && firstIndex.get(step.id) === step.index) graph.set(step.id, known);
  }
  for (const cycle of findCycles(graph)) {
    const start = cycle[0] ?? '';
    problems.push({
      at: ['steps', firstIndex.get(start) ?? 0, 'needs'],
      message: `needs form a cycle: ${cycle.join(' → ')} (each step needs the next); remove one of these needs`,
    });
  }
  if (view.endsAt !== undefined && !firstIndex.has(view.endsAt)) {
    problems.push({
      at: ['recovery', 'endsAt'],
      message: `unknown step '${view.endsAt}'${suggestStep(view.endsAt)}; endsAt must name the step that completes recovery`,
    });
  }
  return { problems, graph };
}
