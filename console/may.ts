import type { Principal } from '../api/auth';
import type { Access } from '../api/route';
import { holdsApproverRole, sameSubject } from '../contract/people';
import { hasRole } from '../runs/roles';

// What the console offers a person, and why not. These are hints for drawing buttons: the API's access table
// (api/routes/control.ts, the same one the console's forms send through) and the workflow's update validators decide,
// and a refused action shows their message. The approval hint applies the workflow's own notion of one person
// (contract/people.ts) in the order workflows/humans.ts validateApproval checks it.

/** Undefined when `p` passes the operation's access level, else why not. */
export function accessRefusal(p: Principal, access: Access): string | undefined {
  // `operator|reviewer`: any one of them, as the API's access check (api/route.ts) reads it.
  if (access === 'public' || access === 'authenticated' || access.split('|').some((role) => hasRole(p.roles, role))) return undefined;
  return `you (${p.subject}) lack the ${access.replace('|', ' or ')} role this needs`;
}

/** Why `p` may not approve or reject this approval step, if they may not. */
export function approvalRefusal(
  p: Principal,
  o: { approvers: readonly string[]; allowSelfApproval: boolean; requester: string; decidedBy: readonly string[] },
): { approve?: string; reject?: string } {
  if (!holdsApproverRole(o.approvers, p.roles)) {
    const why = `only holders of ${o.approvers.join(' or ')} may decide this step; you hold ${p.roles.join(', ') || 'no roles'}`;
    return { approve: why, reject: why };
  }
  if (o.decidedBy.some((who) => sameSubject(who, p.subject))) {
    const why = 'you have already decided on this step: one person counts once';
    return { approve: why, reject: why };
  }
  if (sameSubject(p.subject, o.requester) && !o.allowSelfApproval) return { approve: 'you started this run: someone else must approve it' };
  return {};
}
