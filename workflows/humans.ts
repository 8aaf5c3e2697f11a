import { ApplicationFailure, CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import { durationMs, formatDuration } from '../model/duration';
import { hasRole } from '../runs/roles';
import { REJECTION, type ApprovalDecision, type ManualOutcome } from '../runs/types';
import type { RunEngine, StepRuntime } from './engine';
import type { Outcome } from './execute';

const reject = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

function waitingStep(engine: RunEngine, stepId: string, action: 'approval' | 'manual'): StepRuntime {
  const rt = engine.steps.get(stepId);
  if (!rt) throw reject(REJECTION.invalid, `run ${engine.run.runId} has no step ${stepId}`);
  if (rt.step.action !== action) throw reject(REJECTION.invalid, `step ${stepId} is a ${rt.step.action} step, not ${action === 'approval' ? 'an approval' : 'a manual task'}`);
  if (rt.state.status !== 'waiting') throw reject(REJECTION.conflict, `step ${stepId} is not awaiting ${action === 'approval' ? 'approval' : 'completion'} (it is ${rt.state.status})`);
  return rt;
}

/** Update validator: only holders of the approver roles, once each, never the requester unless allowed. */
export function validateApproval(engine: RunEngine, d: ApprovalDecision): void {
  const rt = waitingStep(engine, d.stepId, 'approval');
  if (rt.step.action !== 'approval') return;
  const { approvers, allowSelfApproval } = rt.step.with;
  if (!approvers.some((role) => d.roles.includes(role))) {
    throw reject(REJECTION.forbidden, `${d.actor} holds none of the roles that may decide step ${d.stepId} (${approvers.join(', ')})`);
  }
  if (d.decision === 'approve' && d.actor === engine.run.requester && !allowSelfApproval) {
    throw reject(REJECTION.forbidden, `${d.actor} requested this run and may not approve it: the runbook does not allow self-approval`);
  }
  if ((rt.state.approvals ?? []).some((a) => a.actor === d.actor)) {
    throw reject(REJECTION.conflict, `${d.actor} has already decided on step ${d.stepId}: one person counts once`);
  }
}

/** Update handler: records the decision; the waiting step sees it. */
export function applyApproval(engine: RunEngine, d: ApprovalDecision): void {
  const rt = engine.steps.get(d.stepId)!;
  const approvals = [...(rt.state.approvals ?? []), { actor: d.actor, decision: d.decision, comment: d.comment, at: new Date().toISOString() }];
  engine.setStep(rt, { approvals });
  const granted = approvals.filter((a) => a.decision === 'approve').length;
  engine.timeline.emit(d.decision === 'approve' ? 'approval.granted' : 'approval.rejected', { stepId: d.stepId, actor: d.actor, detail: { comment: d.comment, granted } });
}

/** Waits for a quorum of approvals, a rejection, an operator's skip or the window (`timeout`) to end. */
export async function awaitApproval(engine: RunEngine, rt: StepRuntime): Promise<Outcome> {
  const { step } = rt;
  if (step.action !== 'approval') throw new Error(`step ${step.id} is not an approval`);
  const w = step.with;
  const timeoutMs = step.timeout ? durationMs(step.timeout) : undefined;
  rt.waitingSince = new Date().toISOString();
  engine.setStep(rt, { status: 'waiting', approvals: [] });
  const detail = { approvers: w.approvers, quorum: w.quorum, instructions: w.instructions, timeoutMs, allowSelfApproval: w.allowSelfApproval };
  engine.timeline.emit('approval.requested', { stepId: step.id, detail });
  engine.notifier.notify('approval.requested', { step, detail });
  const granted = () => (rt.state.approvals ?? []).filter((a) => a.decision === 'approve');
  const rejected = () => (rt.state.approvals ?? []).find((a) => a.decision === 'reject');
  const settled = () => granted().length >= w.quorum || rejected() !== undefined || rt.skipRequested !== undefined;

  const escalation = new CancellationScope();
  if (w.escalate) {
    const { after, notify } = w.escalate;
    escalation.run(async () => {
      await sleep(durationMs(after));
      const d = { approvers: w.approvers, quorum: w.quorum, granted: granted().length, waitingMs: durationMs(after), notify };
      engine.timeline.emit('approval.escalated', { stepId: step.id, detail: d });
      engine.notifier.notify('approval.escalated', { step, detail: d, emails: notify });
    }).catch((err: unknown) => {
      if (!isCancellation(err)) throw err;
    });
  }
  let inTime: boolean;
  try {
    inTime = timeoutMs === undefined ? (await condition(settled), true) : await condition(settled, timeoutMs);
  } finally {
    escalation.cancel();
  }
  if (rt.skipRequested) return { kind: 'skipped', reason: rt.skipRequested.reason, actor: rt.skipRequested.actor };
  if (!inTime) {
    const waited = formatDuration(timeoutMs ?? 0);
    engine.timeline.emit('approval.expired', { stepId: step.id, detail: { onTimeout: w.onTimeout, granted: granted().length, quorum: w.quorum } });
    if (w.onTimeout === 'continue') return { kind: 'skipped', reason: `approval expired after ${waited}; onTimeout: continue`, actor: 'lifeboat', detail: { reason: 'approval-expired' } };
    if (w.onTimeout === 'abort') return { kind: 'abort', message: `approval expired after ${waited} (onTimeout: abort)` };
    throw ApplicationFailure.create({ type: 'StepTimedOut', message: `approval expired after ${waited} with ${granted().length} of ${w.quorum} approvals`, nonRetryable: true });
  }
  const no = rejected();
  if (no) throw ApplicationFailure.nonRetryable(`rejected by ${no.actor}${no.comment ? `: ${no.comment}` : ''}`, 'ApprovalRejected');
  return { kind: 'succeeded', result: { approvedBy: granted().map((a) => a.actor) } };
}

/** Update validator: the step is a waiting manual task and the person holds its assignee role (or operator). */
export function validateManual(engine: RunEngine, o: ManualOutcome): void {
  const rt = waitingStep(engine, o.stepId, 'manual');
  if (rt.step.action !== 'manual') return;
  const role = rt.step.with.assignee;
  if (role && !o.roles.includes(role) && !hasRole(o.roles, 'operator')) {
    throw reject(REJECTION.forbidden, `${o.actor} is neither ${role} (the assignee) nor an operator, so may not complete step ${o.stepId}`);
  }
}

export function applyManual(engine: RunEngine, o: ManualOutcome): void {
  const rt = engine.steps.get(o.stepId)!;
  rt.manual = { actor: o.actor, outcome: o.outcome, note: o.note, evidence: o.evidence };
  engine.timeline.emit(o.outcome === 'done' ? 'manual.completed' : 'manual.failed', { stepId: o.stepId, actor: o.actor, detail: { note: o.note, evidence: o.evidence } });
  engine.changed();
}

/** Waits for a person to mark the task done or failed, an operator's skip, or the step's timeout. */
export async function awaitManual(engine: RunEngine, rt: StepRuntime): Promise<Outcome> {
  const { step } = rt;
  if (step.action !== 'manual') throw new Error(`step ${step.id} is not a manual task`);
  const timeoutMs = step.timeout ? durationMs(step.timeout) : undefined;
  rt.manual = undefined;
  rt.waitingSince = new Date().toISOString();
  engine.setStep(rt, { status: 'waiting' });
  const detail = { instructions: step.with.instructions, assignee: step.with.assignee, timeoutMs };
  engine.timeline.emit('manual.assigned', { stepId: step.id, detail });
  engine.notifier.notify('manual.assigned', { step, detail });
  const settled = () => rt.manual !== undefined || rt.skipRequested !== undefined;
  const inTime = timeoutMs === undefined ? (await condition(settled), true) : await condition(settled, timeoutMs);
  if (rt.skipRequested) return { kind: 'skipped', reason: rt.skipRequested.reason, actor: rt.skipRequested.actor };
  if (!inTime) throw ApplicationFailure.create({ type: 'StepTimedOut', message: `manual task not completed within ${formatDuration(timeoutMs ?? 0)}`, nonRetryable: true });
  const m = rt.manual!;
  if (m.outcome === 'failed') throw ApplicationFailure.nonRetryable(`marked failed by ${m.actor}${m.note ? `: ${m.note}` : ''}`, 'ManualFailed');
  return { kind: 'succeeded', result: { completedBy: m.actor, note: m.note, evidence: m.evidence } };
}
