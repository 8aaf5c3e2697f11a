import { ApplicationFailure, CancellationScope, isCancellation, sleep } from '@temporalio/workflow';
import { durationMs, formatDuration, parseDuration } from '../model/duration';
import { FAILURE } from '../contract/names';
import { defineAction, type StepSlot, type Outcome } from './kit';

const granted = (slot: Readonly<StepSlot>) => (slot.state.approvals ?? []).filter((a) => a.decision === 'approve');
const rejected = (slot: Readonly<StepSlot>) => (slot.state.approvals ?? []).find((a) => a.decision === 'reject');

/** `approval`: waits for a quorum of people holding the approver roles (never the requester unless allowed). */
export const approval = defineAction({
  with: (k) =>
    k.z
      .strictObject({
        approvers: k.z.array(k.Role).min(1).describe('Roles whose holders may approve, such as dba or incident-commander.'),
        quorum: k
          .wholeNumber(1)
          .max(k.MAX_QUORUM, { error: `a quorum above ${k.MAX_QUORUM} is not accepted: roles are open-ended, so no one can check that many approvers exist; lower it` })
          .default(1)
          .describe(`How many distinct people must approve (1 to ${k.MAX_QUORUM}, default 1).`),
        allowSelfApproval: k.z.boolean().default(false).describe('May the person who started the run approve it (default false)?'),
        escalate: k.z
          .strictObject({
            after: k.Duration.describe('How long the approval may wait before escalating.'),
            notify: k.z.array(k.Email).min(1).describe('Who is emailed then.'),
          })
          .optional()
          .describe('Email more people when nobody has approved in time.'),
        onTimeout: k.z
          .enum(['abort', 'continue', 'fail'])
          .default('abort')
          .describe("What happens when the step's timeout passes unapproved: abort the run (default), continue, or fail the step."),
        instructions: k.z.string().optional().describe('What approvers should check before approving; templates allowed.'),
      })
      .meta({ id: 'RunbookApprovalWith', description: 'Who must approve, how many, and what happens when nobody does in time.' }),
  resultFields: undefined,
  // Not used: an approval waits for its `timeout` (the approval window), or for ever without one.
  timeoutMs: 60 * 60_000,
  expectedMs: () => 15 * 60_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: false,
  mayBeUndo: false,
  human: true,

  async run(step, ctx): Promise<Outcome> {
    const w = step.with;
    const timeoutMs = step.timeout ? durationMs(step.timeout) : undefined;
    ctx.patch({ waitingSince: new Date().toISOString(), state: { status: 'waiting', approvals: [] } });
    const detail = { approvers: w.approvers, quorum: w.quorum, instructions: w.instructions, timeoutMs, allowSelfApproval: w.allowSelfApproval };
    ctx.emit('approval.requested', { stepId: step.id, detail });
    ctx.notify('approval.requested', { detail });
    const settled = () => granted(ctx.slot()).length >= w.quorum || rejected(ctx.slot()) !== undefined || ctx.slot().skipRequested !== undefined;

    const escalation = new CancellationScope();
    if (w.escalate) {
      const { after, notify } = w.escalate;
      escalation
        .run(async () => {
          await sleep(durationMs(after));
          const d = { approvers: w.approvers, quorum: w.quorum, granted: granted(ctx.slot()).length, waitingMs: durationMs(after), notify };
          ctx.emit('approval.escalated', { stepId: step.id, detail: d });
          ctx.notify('approval.escalated', { detail: d, emails: notify });
        })
        .catch((err: unknown) => {
          if (!isCancellation(err)) throw err;
        });
    }
    let inTime: boolean;
    try {
      inTime = await ctx.until(settled, timeoutMs);
    } finally {
      escalation.cancel();
    }
    const slot = ctx.slot();
    if (slot.skipRequested) return { kind: 'skipped', reason: slot.skipRequested.reason, actor: slot.skipRequested.actor };
    if (!inTime) {
      const waited = formatDuration(timeoutMs ?? 0);
      ctx.emit('approval.expired', { stepId: step.id, detail: { onTimeout: w.onTimeout, granted: granted(slot).length, quorum: w.quorum } });
      if (w.onTimeout === 'continue')
        return { kind: 'skipped', reason: `approval expired after ${waited}; onTimeout: continue`, actor: 'lifeboat', detail: { reason: 'approval-expired' } };
      if (w.onTimeout === 'abort') return { kind: 'abort', message: `approval expired after ${waited} (onTimeout: abort)` };
      throw ApplicationFailure.create({
        type: FAILURE.stepTimedOut,
        message: `approval expired after ${waited} with ${granted(slot).length} of ${w.quorum} approvals`,
        nonRetryable: true,
      });
    }
    const no = rejected(slot);
    if (no) throw ApplicationFailure.nonRetryable(`rejected by ${no.actor}${no.comment ? `: ${no.comment}` : ''}`, FAILURE.approvalRejected);
    return { kind: 'succeeded', result: { approvedBy: granted(slot).map((a) => a.actor) } };
  },

  waitingFor(step, slot, since) {
    if (slot.state.status !== 'waiting') return undefined;
    const message = `approval of ${step.title ?? step.id}: ${granted(slot).length} of ${step.with.quorum} from ${step.with.approvers.join(' or ')}`;
    return { stepId: step.id, kind: 'approval', from: step.with.approvers, message, since };
  },

  warnings(step) {
    const repeated = step.with.approvers.filter((role, i) => step.with.approvers.indexOf(role) !== i);
    if (repeated.length > 0) return [{ at: ['with', 'approvers'], message: `lists ${repeated.join(', ')} more than once; listing a role again has no effect` }];
    const after = step.with.escalate === undefined ? undefined : parseDuration(step.with.escalate.after);
    const window = step.timeout === undefined ? undefined : parseDuration(step.timeout);
    if (after !== undefined && window !== undefined && after >= window) {
      return [{ at: ['with', 'escalate', 'after'], message: `is not before the approval window closes (timeout ${step.timeout}), so escalation never happens` }];
    }
    return [];
  },
});
