// The console's button hints use the workflow's notion of one person (contract/people.ts): a requester or an
// approver spelt differently is still the same person, so the console never offers what the workflow refuses.
import { approvalRefusal } from '../../console/may';

const step = { approvers: ['dba'], allowSelfApproval: false, requester: 'Alice', decidedBy: ['Bob '] };

describe('approvalRefusal', () => {
  it('offers approve and reject to an approver who is not the requester and has not decided', () => {
    expect(approvalRefusal({ subject: 'carol', roles: ['dba'] }, step)).toEqual({});
  });

  it('withholds approve from the requester however their subject is spelt', () => {
    expect(approvalRefusal({ subject: ' ａｌｉｃｅ', roles: ['dba'] }, step).approve).toMatch(/you started this run/);
  });

  it('withholds both from an approver who already decided under another spelling', () => {
    const refused = approvalRefusal({ subject: 'bob', roles: ['dba'] }, step);
    expect(refused.approve).toMatch(/already decided/);
    expect(refused.reject).toMatch(/already decided/);
  });

  it('withholds both from someone without an approver role, naming the roles', () => {
    expect(approvalRefusal({ subject: 'dave', roles: ['viewer'] }, step).approve).toMatch(/only holders of dba/);
  });
});
