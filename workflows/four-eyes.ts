import { ApplicationFailure } from '@temporalio/workflow';
import { PATCH, REJECTION, RULE } from '../contract/names';
import { holdsApproverRole, sameSubject } from '../contract/people';
import type { StepSlot } from '../actions/kit';
import type { Step } from '../model/runbook';
import type { ControlPort } from './port';

// Four eyes: an approval is passed by its quorum of approvers, or by an explicit override — never by the person who
// asked for the run, nor by anyone who could not have approved it. The table in docs/security.md lists each control.

export const refuse = (type: string, rule: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true, details: [rule] });

/** The operator controls that get a run past an approval step without its quorum. */
export type Override = 'skip' | 'retry' | 'decide:skip' | 'decide:retry';

/** The approvals a step stands for: its own (an approval step), or its sub-runbook's (a `runbook` step, from its gate). */
function guard(step: Step, slot: Readonly<StepSlot> | undefined): { what: string; approvers: string[]; quorum: number; allowSelfApproval: boolean } | undefined {
  if (step.action === 'approval') return { what: `approval step ${step.id}`, ...step.with };
  const gate = slot?.gate;
  if (step.action === 'runbook' && gate && gate.approvers.length > 0) return { what: `sub-runbook step ${step.id} (the approvals of runbook ${gate.runbook})`, ...gate };
  return undefined;
}

/**
 * Whether this control on this step overrides an approval: skipping an approval step (waiting, pending or failed),
 * or retrying one that an approver rejected (the rejection would be dropped). Retrying an expired approval asks again.
 * Skipping a `runbook` step whose sub-runbook has approvals overrides them (its dependents would go on without them);
 * retrying it starts a new child run, which asks them again.
 */
export function overrides(step: Step, slot: Readonly<StepSlot>, control: Override): boolean {
  if (step.action === 'runbook') return guard(step, slot) !== undefined && (control === 'skip' || control === 'decide:skip');
  if (step.action !== 'approval') return false;
  if (control === 'skip' || control === 'decide:skip') return true;
  return (slot.state.approvals ?? []).some((a) => a.decision === 'reject');
}

/** Validator: an override needs a holder of the step's approver roles who is not the requester, and a reason. */
export function checkOverride(engine: ControlPort, step: Step, who: { actor: string; roles: readonly string[] }, control: Override, reason: string | undefined): void {
  const g = guard(step, engine.store.slot(step.id));
  if (!g) return;
  const what = `${control.replace('decide:', 'deciding ')} ${g.what} overrides its approval`;
  if (!holdsApproverRole(g.approvers, who.roles)) {
    throw refuse(REJECTION.forbidden, RULE.fourEyes, `four eyes: ${what}, which only a holder of its approver roles (${g.approvers.join(', ')}) may do; ${who.actor} holds none`);
  }
  if (sameSubject(who.actor, engine.run.requester) && !g.allowSelfApproval) {
    throw refuse(REJECTION.forbidden, RULE.fourEyes, `four eyes: ${what}; ${who.actor} requested this run and may not override its approvals`);
  }
  if (!reason?.trim()) throw refuse(REJECTION.invalid, RULE.fourEyes, `four eyes: ${what}, which needs a reason`);
}

/** Handler: the override is on the timeline, where the report shows it as a deviation. */
export function recordOverride(engine: ControlPort, step: Step, actor: string, control: Override, reason: string): void {
  const slot = engine.store.slot(step.id)!;
  const g = guard(step, slot);
  // A history recorded before this rule may hold a plain skip of an approval: replaying it adds no event.
  if (!g || (step.action === 'approval' && !engine.has(PATCH.fourEyes))) return;
  const approvals = slot.state.approvals ?? [];
  engine.timeline.emit('approval.overridden', {
    stepId: step.id,
    actor,
    detail: {
      control,
      reason,
      approvers: g.approvers,
      quorum: g.quorum,
      granted: approvals.filter((a) => a.decision === 'approve').length,
      rejectedBy: approvals.filter((a) => a.decision === 'reject').map((a) => a.actor),
    },
  });
}
