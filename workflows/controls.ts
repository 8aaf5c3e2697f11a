import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { hasRole } from '../runs/roles';
import { REJECTION, SEARCH_ATTRIBUTE } from '../contract/names';
import type { AbortRequest, Actor, RunControl, StepControl, StepDecision, StepRetry } from '../contract/run';
import type { StepSlot } from '../actions/kit';
import type { Step } from '../model/runbook';
import { checkOverride, overrides, recordOverride } from './four-eyes';
import type { ControlPort } from './port';

// Operator controls. Validators are synchronous and throw to reject, so the caller learns at once; handlers change
// state the scheduler and waiting steps react to. Every accepted control is on the timeline with its actor.

const reject = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

function requireOperator(a: Actor): void {
  if (!hasRole(a.roles, 'operator')) throw reject(REJECTION.forbidden, `${a.actor} lacks the operator role needed to control a run`);
}

function requireLive(engine: ControlPort): void {
  const { halt } = engine.store.state;
  if (halt) throw reject(REJECTION.conflict, `run ${engine.run.runId} is stopping (${halt.reason}); it takes no more operator actions`);
}

function stepOf(engine: ControlPort, stepId: string): { step: Step; slot: Readonly<StepSlot> } {
  const step = engine.stepsById.get(stepId);
  const slot = engine.store.slot(stepId);
  if (!step || !slot) throw reject(REJECTION.invalid, `run ${engine.run.runId} has no step ${stepId}`);
  return { step, slot };
}

export const pause = {
  validate(engine: ControlPort, c: RunControl): void {
    requireOperator(c);
    requireLive(engine);
    if (engine.store.state.paused) throw reject(REJECTION.conflict, 'the run is already paused');
  },
  apply(engine: ControlPort, c: RunControl): void {
    engine.store.patchRun({ paused: true, pausedSince: new Date().toISOString() });
    engine.timeline.emit('run.paused', { actor: c.actor, detail: { reason: c.reason } });
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE.status, value: 'paused' }]);
  },
};

export const resume = {
  validate(engine: ControlPort, c: RunControl): void {
    requireOperator(c);
    requireLive(engine);
    if (!engine.store.state.paused) throw reject(REJECTION.conflict, 'the run is not paused');
  },
  apply(engine: ControlPort, c: RunControl): void {
    engine.store.patchRun({ paused: false, pausedSince: undefined });
    engine.timeline.emit('run.resumed', { actor: c.actor, detail: { reason: c.reason } });
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE.status, value: 'running' }]);
  },
};

/** A failed step that is still open to an operator: waiting for a decision, or failed with onFailure continue. */
function openFailure({ step, slot }: { step: Step; slot: Readonly<StepSlot> }): boolean {
  return slot.state.status === 'failed' && (slot.state.awaitingDecision === true || step.onFailure === 'continue');
}

export const skip = {
  validate(engine: ControlPort, c: StepControl): void {
    requireOperator(c);
    requireLive(engine);
    if (!c.reason?.trim()) throw reject(REJECTION.invalid, 'skipping a step needs a reason');
    const s = stepOf(engine, c.stepId);
    const { status } = s.slot.state;
    if (status !== 'pending' && status !== 'waiting' && !openFailure(s)) {
      throw reject(REJECTION.conflict, `step ${c.stepId} is ${status}; only a pending, waiting or failed step can be skipped`);
    }
    if (overrides(s.step, s.slot, 'skip')) checkOverride(engine, s.step, c, 'skip', c.reason);
  },
  apply(engine: ControlPort, c: StepControl): void {
    const { step, slot } = stepOf(engine, c.stepId);
    const reason = c.reason!.trim();
    if (overrides(step, slot, 'skip')) recordOverride(engine, step, c.actor, 'skip', reason);
    if (slot.state.status === 'waiting') engine.store.patchStep(c.stepId, { skipRequested: { actor: c.actor, reason } });
    else if (slot.state.awaitingDecision) engine.store.patchStep(c.stepId, { decision: 'skip', decisionReason: reason });
    else engine.skip(c.stepId, reason, c.actor, { by: 'operator' });
  },
};

/** A fresh retry is a new execution of the step, under a new idempotency key; a plain one repeats the same execution. */
function nextExecution(slot: Readonly<StepSlot>, fresh: boolean | undefined): { execution?: number } {
  return fresh ? { execution: (slot.state.execution ?? 1) + 1 } : {};
}

export const retry = {
  validate(engine: ControlPort, c: StepRetry): void {
    requireOperator(c);
    requireLive(engine);
    const s = stepOf(engine, c.stepId);
    if (!openFailure(s)) throw reject(REJECTION.conflict, `step ${c.stepId} is ${s.slot.state.status}; only a failed step can be retried`);
    if (overrides(s.step, s.slot, 'retry')) checkOverride(engine, s.step, c, 'retry', c.reason);
  },
  apply(engine: ControlPort, c: StepRetry): void {
    const { step, slot } = stepOf(engine, c.stepId);
    if (overrides(step, slot, 'retry')) recordOverride(engine, step, c.actor, 'retry', c.reason!.trim());
    engine.timeline.emit('decision.made', { stepId: c.stepId, actor: c.actor, detail: { decision: 'retry', reason: c.reason, ...(c.fresh ? { fresh: true } : {}) } });
    const execution = nextExecution(slot, c.fresh);
    if (slot.state.awaitingDecision) engine.store.patchStep(c.stepId, { decision: 'retry', state: execution });
    else engine.store.patchStep(c.stepId, { state: { status: 'pending', error: undefined, ...execution } }); // the scheduler starts it again
  },
};

export const decide = {
  validate(engine: ControlPort, d: StepDecision): void {
    requireOperator(d);
    requireLive(engine);
    const { step, slot } = stepOf(engine, d.stepId);
    if (!slot.state.awaitingDecision) throw reject(REJECTION.conflict, `step ${d.stepId} is not waiting for a decision (it is ${slot.state.status})`);
    const control = decisionOverride(d);
    if (control && overrides(step, slot, control)) checkOverride(engine, step, d, control, d.reason);
  },
  apply(engine: ControlPort, d: StepDecision): void {
    const control = decisionOverride(d);
    const { step, slot } = stepOf(engine, d.stepId);
    if (control && overrides(step, slot, control)) recordOverride(engine, step, d.actor, control, d.reason!.trim());
    engine.timeline.emit('decision.made', { stepId: d.stepId, actor: d.actor, detail: { decision: d.decision, reason: d.reason, ...(d.fresh ? { fresh: true } : {}) } });
    engine.store.patchStep(d.stepId, { decisionReason: d.reason, state: d.decision === 'retry' ? nextExecution(slot, d.fresh) : {} });
    if (d.decision === 'abort') engine.stopRun({ status: 'aborted', reason: d.reason ?? `the operator aborted the run at step ${d.stepId}`, actor: d.actor, rollback: false });
    engine.store.patchStep(d.stepId, { decision: d.decision });
  },
};

function decisionOverride(d: StepDecision): 'decide:skip' | 'decide:retry' | undefined {
  return d.decision === 'skip' ? 'decide:skip' : d.decision === 'retry' ? 'decide:retry' : undefined;
}

export const abort = {
  validate(engine: ControlPort, a: AbortRequest): void {
    requireOperator(a);
    requireLive(engine);
    if (!a.reason.trim()) throw reject(REJECTION.invalid, 'aborting a run needs a reason');
  },
  apply(engine: ControlPort, a: AbortRequest): void {
    engine.stopRun({ status: 'aborted', reason: a.reason, actor: a.actor, rollback: a.rollback });
  },
};
