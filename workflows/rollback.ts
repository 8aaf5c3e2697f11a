import { isCancellation } from '@temporalio/workflow';
import { renderStep, runAction, stepTimeoutMs } from './actions';
import type { RunEngine } from './engine';
import { describeError } from './execute';

/**
 * Runs the `undo` of every succeeded step that has one, newest first (reverse completion order). Used after a
 * failure with `onFailure: rollback`, an abort with rollback, and as cleanup at the end of a drill.
 */
export async function rollBack(engine: RunEngine, reason: string): Promise<void> {
  const done = [...engine.steps.values()]
    .filter((rt) => rt.state.status === 'succeeded' && rt.step.undo && rt.doneOrder !== undefined)
    .sort((a, b) => b.doneOrder! - a.doneOrder!);
  if (done.length === 0) return;
  engine.timeline.emit('rollback.started', { detail: { reason, steps: done.map((rt) => rt.step.id) } });
  let undone = 0;
  for (const rt of done) {
    const undo = rt.step.undo!;
    // The undo runs as a step of its own kind, with the original step's id and timeout.
    const step = { ...undo, id: rt.step.id, title: rt.step.title, timeout: rt.step.timeout };
    try {
      await runAction(renderStep(step, engine.templateContext()), { run: engine.run, attempt: 1, timeoutMs: stepTimeoutMs(step) });
      undone++;
      engine.timeline.emit('rollback.step-undone', { stepId: rt.step.id, detail: { action: undo.action } });
    } catch (err) {
      if (isCancellation(err)) throw err;
      engine.timeline.emit('rollback.step-failed', { stepId: rt.step.id, detail: { action: undo.action, error: describeError(err).message } });
    }
  }
  engine.timeline.emit('rollback.completed', { detail: { reason, undone, failed: done.length - undone } });
}
