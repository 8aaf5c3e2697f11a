import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { approveStepUpdate, completeManualUpdate } from '../../contract/messages';
import { startTestLifeboat } from '../harness/lifeboat';
import { startRun } from '../harness/runs';

let lb: Awaited<ReturnType<typeof startTestLifeboat>>;
beforeAll(async () => {
  lb = await startTestLifeboat();
});
afterAll(async () => {
  await lb?.stop();
});

const approval = (extra: Record<string, unknown> = {}, stepExtra: Record<string, unknown> = {}) => ({
  steps: [
    { id: 'go', action: 'approval', with: { approvers: ['dba', 'incident-commander'], quorum: 2, instructions: 'Check the lag first', ...extra }, ...stepExtra },
    { id: 'after', action: 'wait', with: { duration: '10ms' }, needs: ['go'] },
  ],
});

/** The rejection an update got, as {type, message}. */
async function rejection(p: Promise<unknown>): Promise<{ type?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as { type?: string; message: string };
      return { type: cause.type, message: cause.message };
    }
    throw err;
  }
  throw new Error('the update was accepted');
}

describe('approvals', () => {
  it('needs a quorum of distinct people and rejects a repeat approver', async () => {
    const run = await startRun(lb, approval());
    await run.until('approval requested', (s) => s.waitingFor.some((w) => w.kind === 'approval'));
    const first = await run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'approve', actor: 'bob', roles: ['dba'], comment: 'lag ok' }] });
    expect(first.state.steps[0]!.status).toBe('waiting');
    expect(first.state.waitingFor[0]).toMatchObject({ kind: 'approval', stepId: 'go', from: ['dba', 'incident-commander'] });
    const again = await rejection(run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'approve', actor: 'bob', roles: ['dba'] }] }));
    expect(again).toEqual({ type: 'Conflict', message: 'bob has already decided on step go: one person counts once' });
    await run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'approve', actor: 'carol', roles: ['incident-commander'] }] });
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps[0]!.outputs).toEqual({});
    expect(final.steps[0]!.approvals!.map((a) => [a.actor, a.decision, a.comment])).toEqual([
      ['bob', 'approve', 'lag ok'],
      ['carol', 'approve', undefined],
    ]);
    const events = await run.events();
    expect(events.filter((e) => e.type.startsWith('approval.')).map((e) => [e.type, e.actor])).toEqual([
      ['approval.requested', 'lifeboat'],
      ['approval.granted', 'bob'],
      ['approval.granted', 'carol'],
    ]);
    // The run has closed: the server refuses the update before any workflow code could see it.
    const late = run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'approve', actor: 'dave', roles: ['dba'] }] });
    await expect(late).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(late).rejects.toThrow('workflow execution already completed');
  });

  it('rejects self-approval by the requester unless the runbook allows it', async () => {
    const run = await startRun(lb, approval({ quorum: 1 }), { requester: 'alice' });
    await run.until('approval requested', (s) => s.steps[0]!.status === 'waiting');
    const self = await rejection(run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'approve', actor: 'alice', roles: ['dba'] }] }));
    expect(self.type).toBe('Forbidden');
    expect(self.message).toMatch(/alice requested this run and may not approve it/);

    const allowed = await startRun(lb, approval({ quorum: 1, allowSelfApproval: true }), { requester: 'alice' });
    await allowed.until('approval requested', (s) => s.steps[0]!.status === 'waiting');
    await allowed.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'approve', actor: 'alice', roles: ['dba'] }] });
    expect((await allowed.result()).status).toBe('completed');
    await run.handle.terminate('test done');
  });

  it('rejects a person without an approver role', async () => {
    const run = await startRun(lb, approval({ quorum: 1 }));
    await run.until('approval requested', (s) => s.steps[0]!.status === 'waiting');
    const wrong = await rejection(run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'approve', actor: 'eve', roles: ['operator', 'admin'] }] }));
    expect(wrong).toEqual({ type: 'Forbidden', message: 'eve holds none of the roles that may decide step go (dba, incident-commander)' });
    const notWaiting = await rejection(run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'after', decision: 'approve', actor: 'bob', roles: ['dba'] }] }));
    expect(notWaiting.type).toBe('Invalid');
    await run.handle.terminate('test done');
  });

  it('fails the step when an approver rejects', async () => {
    const run = await startRun(lb, approval({ quorum: 1 }));
    await run.until('approval requested', (s) => s.steps[0]!.status === 'waiting');
    await run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'reject', actor: 'bob', roles: ['dba'], comment: 'lag too high' }] });
    const final = await run.result();
    expect(final.status).toBe('failed');
    expect(final.steps[0]).toMatchObject({ status: 'failed', error: 'rejected by bob: lag too high' });
  });

  it('escalates after escalate.after, then applies onTimeout when the window ends', async () => {
    const run = await startRun(lb, approval({ quorum: 1, escalate: { after: '1s', notify: ['boss@example.com'] }, onTimeout: 'continue' }, { timeout: '3s' }));
    const final = await run.result();
    expect(final.status).toBe('completed');
    expect(final.steps.map((s) => s.status)).toEqual(['skipped', 'succeeded']);
    expect(final.steps[0]!.reason).toBe('approval expired after 3s; onTimeout: continue');
    const events = await run.events();
    const at = (type: string) => Date.parse(events.find((e) => e.type === type)!.at);
    expect(at('approval.escalated') - at('approval.requested')).toBeGreaterThanOrEqual(1000);
    expect(at('approval.expired') - at('approval.requested')).toBeGreaterThanOrEqual(3000);
    expect(at('approval.escalated')).toBeLessThan(at('approval.expired'));
  });

  it('does not escalate an approval granted in time, though the run outlives the escalation delay', async () => {
    const run = await startRun(lb, {
      steps: [
        { id: 'go', action: 'approval', with: { approvers: ['dba'], escalate: { after: '2s', notify: ['boss@example.com'] } } },
        // Keeps the run going past the moment the escalation timer was due, so a timer left running would fire.
        { id: 'after', action: 'wait', with: { duration: '4s' }, needs: ['go'] },
      ],
    });
    await run.until('approval requested', (s) => s.steps[0]!.status === 'waiting');
    await run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'approve', actor: 'bob', roles: ['dba'] }] });
    const final = await run.result();
    expect(final.status).toBe('completed');
    const events = await run.events();
    const at = (type: string) => Date.parse(events.find((e) => e.type === type)!.at);
    expect(at('approval.granted') - at('approval.requested')).toBeLessThan(2000);
    expect(Date.parse(final.finishedAt!) - at('approval.requested')).toBeGreaterThanOrEqual(3000);
    expect(events.map((e) => e.type)).not.toContain('approval.escalated');
  });

  it('aborts the run when an approval times out with onTimeout: abort', async () => {
    const strict = await startRun(lb, approval({ quorum: 1, onTimeout: 'abort' }, { timeout: '1s' }));
    const final = await strict.result();
    expect(final.status).toBe('failed');
    expect(final.error).toBe('step go: approval expired after 1s (onTimeout: abort)');
  });
});

describe('manual tasks', () => {
  const manual = { steps: [{ id: 'forensics', action: 'manual', with: { instructions: 'Confirm the backup is clean', assignee: 'security' } }] };

  it('completes when the assignee marks it done, with a note and evidence', async () => {
    const run = await startRun(lb, manual);
    await run.until('task assigned', (s) => s.waitingFor.some((w) => w.kind === 'manual'));
    const wrong = await rejection(run.handle.executeUpdate(completeManualUpdate, { args: [{ stepId: 'forensics', outcome: 'done', actor: 'eve', roles: ['viewer'] }] }));
    expect(wrong.type).toBe('Forbidden');
    await run.handle.executeUpdate(completeManualUpdate, {
      args: [{ stepId: 'forensics', outcome: 'done', actor: 'sam', roles: ['security'], note: 'hashes match', evidence: ['https://tickets.example.com/SEC-1'] }],
    });
    const final = await run.result();
    expect(final.steps[0]).toMatchObject({ status: 'succeeded' });
    const done = (await run.events()).find((e) => e.type === 'manual.completed');
    expect(done).toMatchObject({ actor: 'sam', detail: { note: 'hashes match', evidence: ['https://tickets.example.com/SEC-1'] } });
  });

  it('fails the step when marked failed', async () => {
    const run = await startRun(lb, manual);
    await run.until('task assigned', (s) => s.steps[0]!.status === 'waiting');
    await run.handle.executeUpdate(completeManualUpdate, { args: [{ stepId: 'forensics', outcome: 'failed', actor: 'sam', roles: ['security'], note: 'malware found' }] });
    const final = await run.result();
    expect(final.steps[0]).toMatchObject({ status: 'failed', error: 'marked failed by sam: malware found' });
  });
});
