// Which steps may start, kept as steps change: each pass of the scheduler looks again only at the steps that changed
// since the last one (RunStore.takeChanged) and at the steps that need them, not at every pending step, so a pass of
// a 5,000-step run costs what changed, not its width. The steps start in runbook order, as readySteps() gives them
// (the order replay depends on): a heap of runbook positions.
import type { PinnedRun } from '../contract/run';
import type { Step } from '../model/runbook';
import { isReady } from './project';
import type { RunStore } from './state';

export class Readiness {
  private readonly ready = new Set<string>();
  /** Runbook positions of ready steps (and of some no longer ready, skipped when met), smallest first. */
  private readonly heap: number[] = [];
  private readonly queued = new Set<number>();
  private readonly position = new Map<string, number>();
  private readonly dependents = new Map<string, string[]>();

  constructor(
    private readonly run: PinnedRun,
    private readonly store: RunStore,
  ) {
    run.runbook.steps.forEach((step, i) => {
      this.position.set(step.id, i);
      for (const need of step.needs ?? []) this.dependents.set(need, [...(this.dependents.get(need) ?? []), step.id]);
    });
  }

  /** How many steps are ready, as of the last refresh. */
  get size(): number {
    return this.ready.size;
  }

  /** Takes in the changes since the last refresh: each changed step, and each step that needs one, is ready or not. */
  refresh(): void {
    const changed = this.store.takeChanged();
    const steps = this.run.runbook.steps;
    if (changed === 'all') {
      for (const step of steps) this.judge(step);
      return;
    }
    const seen = new Set<string>();
    for (const id of changed) {
      for (const other of [id, ...(this.dependents.get(id) ?? [])]) {
        if (seen.has(other)) continue;
        seen.add(other);
        this.judge(steps[this.position.get(other)!]!);
      }
    }
  }

  /**
   * Starts ready steps in runbook order while `room()` holds, passing over those `busy` answers true for (they stay
   * ready), as the scheduler did over readySteps(); a started step is no longer ready.
   */
  take(room: () => boolean, busy: (id: string) => boolean, begin: (step: Step) => void): void {
    const aside: number[] = [];
    while (this.heap.length > 0) {
      const step = this.run.runbook.steps[this.heap[0]!]!;
      if (!this.ready.has(step.id)) {
        this.queued.delete(this.pop());
      } else if (busy(step.id)) {
        aside.push(this.pop());
      } else if (!room()) {
        break;
      } else {
        this.queued.delete(this.pop());
        this.ready.delete(step.id);
        begin(step);
      }
    }
    for (const at of aside) this.push(at);
  }

  private judge(step: Step): void {
    if (!isReady(this.run, this.store.state, step)) {
      this.ready.delete(step.id);
      return;
    }
    this.ready.add(step.id);
    const at = this.position.get(step.id)!;
    if (!this.queued.has(at)) {
      this.queued.add(at);
      this.push(at);
    }
  }

  private push(at: number): void {
    const h = this.heap;
    h.push(at);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= h[i]!) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let least = i;
        if (l < h.length && h[l]! < h[least]!) least = l;
        if (r < h.length && h[r]! < h[least]!) least = r;
        if (least === i) break;
        [h[least], h[i]] = [h[i]!, h[least]!];
        i = least;
      }
    }
    return top;
  }
}
