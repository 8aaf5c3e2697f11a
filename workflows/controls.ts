import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { hasRole } from '../runs/roles';
import { REJECTION, type AbortRequest, type Actor, type RunControl, type StepControl, type StepDecision } from '../runs/types';
import type { RunEngine, StepRuntime } from './engine';
import { SEARCH_ATTRIBUTES } from './names';

// Operator controls. Validators are synchronous and throw to reject, so the caller learns at once; handlers change
// state the scheduler and waiting steps react to. Every accepted control is on the timeline with its actor.

const reject = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

function requireOperator(a: Actor): void {
  if (!hasRole(a.roles, 'operator')) throw reject(REJECTION.forbidden, `${a.actor} lacks the operator role needed to control a run`);
}

function requireLive(engine: RunEngine): void {
  if (engine.halt) throw reject(REJECTION.conflict, `run ${engine.run.runId} is stopping (${engine.halt.reason}); it takes no more operator actions`);
}

function stepOf(engine: RunEngine, stepId: string): StepRuntime {
  const rt = engine.steps.get(stepId);
  if (!rt) throw reject(REJECTION.invalid, `run ${engine.run.runId} has no step ${stepId}`);
  return rt;
}

export const pause = {
  validate(engine: RunEngine, c: RunControl): void {
    requireOperator(c);
    requireLive(engine);
    if (engine.paused) throw reject(REJECTION.conflict, 'the run is already paused');
  },
  apply(engine: RunEngine, c: RunControl): void {
    engine.paused = true;
    engine.pausedSince = new Date().toISOString();
    engine.timeline.emit('run.paused', { actor: c.actor, detail: { reason: c.reason } });
    upsertSearchAttributes({ [SEARCH_ATTRIBUTES.status]: ['paused'] });
    engine.changed();
  },
};

export const resume = {
  validate(engine: RunEngine, c: RunControl): void {
    requireOperator(c);
    requireLive(engine);
    if (!engine.paused) throw reject(REJECTION.conflict, 'the run is not paused');
  },
  apply(engine: RunEngine, c: RunControl): void {
    engine.paused = false;
    engine.pausedSince = undefined;
    engine.timeline.emit('run.resumed', { actor: c.actor, detail: { reason: c.reason } });
    upsertSearchAttributes({ [SEARCH_ATTRIBUTES.status]: ['running'] });
    engine.changed();
  },
};

/** A failed step that is still open to an operator: waiting for a decision, or failed with onFailure continue. */
function openFailure(rt: StepRuntime): boolean {
  return rt.state.status === 'failed' && (rt.state.awaitingDecision === true || rt.step.onFailure === 'continue');
}

export const skip = {
  validate(engine: RunEngine, c: StepControl): void {
    requireOperator(c);
    requireLive(engine);
    if (!c.reason?.trim()) throw reject(REJECTION.invalid, 'skipping a step needs a reason');
    const rt = stepOf(engine, c.stepId);
    if (rt.state.status !== 'pending' && rt.state.status !== 'waiting' && !openFailure(rt)) {
      throw reject(REJECTION.conflict, `step ${c.stepId} is ${rt.state.status}; only a pending, waiting or failed step can be skipped`);
    }
  },
  apply(engine: RunEngine, c: StepControl): void {
    const rt = engine.steps.get(c.stepId)!;
    const reason = c.reason!.trim();
    if (rt.state.status === 'waiting') rt.skipRequested = { actor: c.actor, reason };
    else if (rt.state.awaitingDecision) Object.assign(rt, { decision: 'skip', decisionReason: reason });
    else engine.skip(rt, reason, c.actor, { by: 'operator' });
    engine.changed();
  },
};

export const retry = {
  validate(engine: RunEngine, c: StepControl): void {
    requireOperator(c);
    requireLive(engine);
    const rt = stepOf(engine, c.stepId);
    if (!openFailure(rt)) throw reject(REJECTION.conflict, `step ${c.stepId} is ${rt.state.status}; only a failed step can be retried`);
  },
  apply(engine: RunEngine, c: StepControl): void {
    const rt = engine.steps.get(c.stepId)!;
    engine.timeline.emit('decision.made', { stepId: c.stepId, actor: c.actor, detail: { decision: 'retry', reason: c.reason } });
    if (rt.state.awaitingDecision) rt.decision = 'retry';
    else engine.setStep(rt, { status: 'pending', error: undefined }); // the scheduler starts it again
    engine.changed();
  },
};

export const decide = {
  validate(engine: RunEngine, d: StepDecision): void {
    requireOperator(d);
    requireLive(engine);
    const rt = stepOf(engine, d.stepId);
    if (!rt.state.awaitingDecision) throw reject(REJECTION.conflict, `step ${d.stepId} is not waiting for a decision (it is ${rt.state.status})`);
  },
  apply(engine: RunEngine, d: StepDecision): void {
    const rt = engine.steps.get(d.stepId)!;
    engine.timeline.emit('decision.made', { stepId: d.stepId, actor: d.actor, detail: { decision: d.decision, reason: d.reason } });
    rt.decisionReason = d.reason;
    if (d.decision === 'abort') engine.stopRun({ status: 'aborted', reason: d.reason ?? `the operator aborted the run at step ${d.stepId}`, actor: d.actor, rollback: false });
    rt.decision = d.decision;
    engine.changed();
  },
};

export const abort = {
  validate(engine: RunEngine, a: AbortRequest): void {
    requireOperator(a);
    requireLive(engine);
    if (!a.reason.trim()) throw reject(REJECTION.invalid, 'aborting a run needs a reason');
  },
  apply(engine: RunEngine, a: AbortRequest): void {
    engine.stopRun({ status: 'aborted', reason: a.reason, actor: a.actor, rollback: a.rollback });
  },
};
