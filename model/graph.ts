// The step DAG, as plain data. Iterative throughout: a 5,000-step chain must not exhaust the stack.

/** Step id → the ids it needs (unknown ids already removed). */
export type NeedsGraph = ReadonlyMap<string, readonly string[]>;

/** Whether `target` must finish before `id` may start; stops searching as soon as it is found. */
export function isUpstream(target: string, id: string, graph: NeedsGraph): boolean {
  const seen = new Set<string>();
  const pending = [...(graph.get(id) ?? [])];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next === target) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...(graph.get(next) ?? []));
  }
  return false;
}

/** Dependency cycles, each as the ids along `needs` ending where it began (`a → b → a` is ['a', 'b', 'a']). */
export function findCycles(graph: NeedsGraph, limit = 20): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  for (const root of graph.keys()) {
    if (state.has(root)) continue;
    const path: string[] = [];
    const stack: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    state.set(root, 'open');
    path.push(root);
    while (stack.length > 0 && cycles.length < limit) {
      const frame = stack[stack.length - 1];
      if (frame === undefined) break;
      const needs = graph.get(frame.id) ?? [];
      const child = needs[frame.next++];
      if (child === undefined) {
        state.set(frame.id, 'done');
        stack.pop();
        path.pop();
      } else if (state.get(child) === 'open') {
        cycles.push([...path.slice(path.indexOf(child)), child]);
      } else if (!state.has(child)) {
        state.set(child, 'open');
        stack.push({ id: child, next: 0 });
        path.push(child);
      }
    }
  }
  return cycles;
}

/**
 * Topological layers: a step's layer is one more than the deepest step it needs, so each layer can run in
 * parallel once the previous ones finish. Steps on or behind a cycle are left out.
 */
export function layersOf(graph: NeedsGraph): string[][] {
  const layer = new Map<string, number>();
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [id, needs] of graph) {
    waiting.set(id, needs.length);
    for (const need of needs) {
      const list = dependents.get(need);
      if (list === undefined) dependents.set(need, [id]);
      else list.push(id);
    }
  }
  const ready = [...graph.keys()].filter((id) => waiting.get(id) === 0);
  for (const id of ready) layer.set(id, 0);
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i];
    if (id === undefined) continue;
    for (const dependent of dependents.get(id) ?? []) {
      layer.set(dependent, Math.max(layer.get(dependent) ?? 0, (layer.get(id) ?? 0) + 1));
      const left = (waiting.get(dependent) ?? 0) - 1;
      waiting.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  const layers: string[][] = [];
  // Declaration order within a layer, so plans read like the runbook.
  for (const id of graph.keys()) {
    const index = layer.get(id);
    if (index === undefined || waiting.get(id) !== 0) continue;
    (layers[index] ??= []).push(id);
  }
  return layers.filter((ids) => ids !== undefined);
}
