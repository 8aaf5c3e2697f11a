import { isCancellation } from '@temporalio/workflow';
import { actionOf } from '../actions';
import { executionKey, undoKey } from '../actions/proxy';
import type { StepRunner } from './port';
import { renderStep, stepTimeoutMs } from './execute';
import { describeError } from './failures';

/**
 * Runs the `undo` of every succeeded step that has one, newest first (reverse completion order). Used after a
 * failure with `onFailure: rollback`, an abort with rollback, and as cleanup at the end of a drill.
 */
export async function rollBack(engine: StepRunner, reason: string): Promise<void> {
  const { state } = engine.store;
  const done = engine.run.runbook.steps
    .flatMap((step) => {
      const slot = state.steps[step.id]!;
      const undo = 'undo' in step ? step.undo : undefined;
      return slot.state.status === 'succeeded' && undo && slot.doneOrder !== undefined ? [{ step, undo, doneOrder: slot.doneOrder }] : [];
    })
    .sort((a, b) => b.doneOrder - a.doneOrder);
  if (done.length === 0) return;
  engine.timeline.emit('rollback.started', { detail: { reason, steps: done.map((d) => d.step.id) } });
  let undone = 0;
  for (const { step: original, undo } of done) {
    // The undo runs as a step of its own kind, with the original step's id and timeout.
    const step = { ...undo, id: original.id, title: original.title, timeout: original.timeout };
    try {
      const timeoutMs = stepTimeoutMs(step);
      const key = undoKey(executionKey(engine.run.runId, original.id, state.steps[original.id]!.state.execution));
      const outcome = await actionOf(step.action).run(renderStep(step, engine.templateContext()), engine.contextFor(step, 1, timeoutMs, key));
      if (outcome.kind !== 'succeeded') throw new Error(`undo ended ${outcome.kind}`);
      undone++;
      engine.timeline.emit('rollback.step-undone', { stepId: original.id, detail: { action: undo.action } });
    } catch (err) {
      if (isCancellation(err)) throw err;
      engine.timeline.emit('rollback.step-failed', { stepId: original.id, detail: { action: undo.action, error: describeError(err).message } });
    }
  }
  engine.timeline.emit('rollback.completed', { detail: { reason, undone, failed: done.length - undone } });
}
