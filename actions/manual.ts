import { ApplicationFailure } from '@temporalio/workflow';
import { FAILURE } from '../contract/names';
import { durationMs, formatDuration } from '../model/duration';
import { defineAction, type Outcome } from './kit';

/** `manual`: a task for a person (optionally of an assignee role), marked done or failed through the API. */
export const manual = defineAction({
  with: (k) =>
    k.z
      .strictObject({
        instructions: k.z.string().min(1).describe('What the person must do; templates allowed.'),
        assignee: k.Role.optional().describe('The role the task is assigned to.'),
      })
      .meta({ id: 'RunbookManualWith', description: 'The manual task: what to do and for whom.' }),
  resultFields: undefined,
  // Not used: a manual task waits for its `timeout`, or for ever without one.
  timeoutMs: 60 * 60_000,
  expectedMs: () => 30 * 60_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: false,
  mayBeUndo: false,
  human: true,

  async run(step, ctx): Promise<Outcome> {
    const timeoutMs = step.timeout ? durationMs(step.timeout) : undefined;
    ctx.patch({ manual: undefined, waitingSince: new Date().toISOString(), state: { status: 'waiting' } });
    const detail = { instructions: step.with.instructions, assignee: step.with.assignee, timeoutMs };
    ctx.emit('manual.assigned', { stepId: step.id, detail });
    ctx.notify('manual.assigned', { detail });
    const inTime = await ctx.until(() => ctx.slot().manual !== undefined || ctx.slot().skipRequested !== undefined, timeoutMs);
    const slot = ctx.slot();
    if (slot.skipRequested) return { kind: 'skipped', reason: slot.skipRequested.reason, actor: slot.skipRequested.actor };
    if (!inTime) throw ApplicationFailure.create({ type: FAILURE.stepTimedOut, message: `manual task not completed within ${formatDuration(timeoutMs ?? 0)}`, nonRetryable: true });
    const m = slot.manual!;
    if (m.outcome === 'failed') throw ApplicationFailure.nonRetryable(`marked failed by ${m.actor}${m.note ? `: ${m.note}` : ''}`, FAILURE.manualFailed);
    return { kind: 'succeeded', result: { completedBy: m.actor, note: m.note, evidence: m.evidence } };
  },

  waitingFor(step, slot, since) {
    if (slot.state.status !== 'waiting') return undefined;
    return { stepId: step.id, kind: 'manual', from: [step.with.assignee ?? 'operator'], message: `manual task ${step.title ?? step.id}: mark it done or failed`, since };
  },
});
