import { ApplicationFailure } from '@temporalio/workflow';
import type { StepSlot } from '../actions/kit';
import type { Step } from '../model/runbook';
import { hasRole } from '../runs/roles';
import { REJECTION, RULE } from '../contract/names';
import type { ApprovalDecision, ManualOutcome } from '../contract/run';
import { holdsApproverRole, sameSubject } from '../contract/people';
import { refuse } from './four-eyes';
import type { ControlPort } from './port';

// People's answers to approval and manual steps. Validators are synchronous and throw to reject; handlers record the
// answer in the step's slot, where the waiting step (actions/approval.ts, actions/manual.ts) sees it.

const reject = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

function waitingStep<A extends 'approval' | 'manual'>(engine: ControlPort, stepId: string, action: A): { step: Extract<Step, { action: A }>; slot: Readonly<StepSlot> } {
  const step = engine.stepsById.get(stepId);
  const slot = engine.store.slot(stepId);
  if (!step || !slot) throw reject(REJECTION.invalid, `run ${engine.run.runId} has no step ${stepId}`);
  if (step.action !== action) throw reject(REJECTION.invalid, `step ${stepId} is a ${step.action} step, not ${action === 'approval' ? 'an approval' : 'a manual task'}`);
  if (slot.state.status !== 'waiting')
    throw reject(REJECTION.conflict, `step ${stepId} is not awaiting ${action === 'approval' ? 'approval' : 'completion'} (it is ${slot.state.status})`);
  return { step: step as Extract<Step, { action: A }>, slot };
}

/** Update validator: only holders of the approver roles, once each (one subject, however spelt), never the requester unless allowed. */
export function validateApproval(engine: ControlPort, d: ApprovalDecision): void {
  const { step, slot } = waitingStep(engine, d.stepId, 'approval');
  const { approvers, allowSelfApproval } = step.with;
  if (!holdsApproverRole(step.with.approvers, d.roles)) {
    throw refuse(REJECTION.forbidden, RULE.fourEyes, `${d.actor} holds none of the roles that may decide step ${d.stepId} (${approvers.join(', ')})`);
  }
  if (d.decision === 'approve' && sameSubject(d.actor, engine.run.requester) && !allowSelfApproval) {
    throw refuse(REJECTION.forbidden, RULE.fourEyes, `${d.actor} requested this run and may not approve it: the runbook does not allow self-approval`);
  }
  if ((slot.state.approvals ?? []).some((a) => sameSubject(a.actor, d.actor))) {
    throw refuse(REJECTION.conflict, RULE.distinctApprovers, `${d.actor} has already decided on step ${d.stepId}: one person counts once`);
  }
}

/** Update handler: records the decision; the waiting step sees it. */
export function applyApproval(engine: ControlPort, d: ApprovalDecision): void {
  const slot = engine.store.slot(d.stepId)!;
  const approvals = [...(slot.state.approvals ?? []), { actor: d.actor, decision: d.decision, comment: d.comment, at: new Date().toISOString() }];
  engine.store.patchStep(d.stepId, { state: { approvals } });
  const granted = approvals.filter((a) => a.decision === 'approve').length;
  engine.timeline.emit(d.decision === 'approve' ? 'approval.granted' : 'approval.rejected', { stepId: d.stepId, actor: d.actor, detail: { comment: d.comment, granted } });
}

/** Update validator: the step is a waiting manual task and the person holds its assignee role (or operator). */
export function validateManual(engine: ControlPort, o: ManualOutcome): void {
  const { step } = waitingStep(engine, o.stepId, 'manual');
  const role = step.with.assignee;
  if (role && !o.roles.includes(role) && !hasRole(o.roles, 'operator')) {
    throw reject(REJECTION.forbidden, `${o.actor} is neither ${role} (the assignee) nor an operator, so may not complete step ${o.stepId}`);
  }
}

/** Update handler: records the outcome; the waiting step sees it. */
export function applyManual(engine: ControlPort, o: ManualOutcome): void {
  engine.store.patchStep(o.stepId, { manual: { actor: o.actor, outcome: o.outcome, note: o.note, evidence: o.evidence } });
  engine.timeline.emit(o.outcome === 'done' ? 'manual.completed' : 'manual.failed', { stepId: o.stepId, actor: o.actor, detail: { note: o.note, evidence: o.evidence } });
}
