import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { approveStepUpdate, pauseRunUpdate, resumeRunUpdate, runStateQuery } from '../../contract/messages';
import { runSearchAttributes } from '../../contract/names';
import type { RunInput } from '../../contract/run';
import { runbookHash } from '../../model/hash';
import { getRunbook } from '../../store/registry';
import { Signer } from '../../runs/signing';
import { scheduledRunInput } from '../../schedules/options';
import { ScheduleService } from '../../schedules/service';
import { CreateSchedule } from '../../schedules/types';
import { registerRunbook, startRun, useLifeboat } from '../harness/runs';
import { waitFor } from '../harness/wait';

// Someone who can reach Temporal (the CLI, the Web UI, a client) but does not hold LIFEBOAT_SIGNING_KEY tries to act
// as somebody else, replay what the API signed, or run a runbook of their own. Every attempt is refused.

const env = useLifeboat();

const approvalRunbook = () => ({
  id: 'signed',
  steps: [
    { id: 'go', action: 'approval', with: { approvers: ['dba'] } },
    { id: 'gated', needs: ['go'], action: 'http', with: { url: `${env.target.url}/gated-${randomUUID()}`, method: 'POST' } },
  ],
});

/** The refusal an update got: its failure type and the rule it names. */
async function refusal(p: Promise<unknown>): Promise<{ type?: string; rule?: unknown; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      return { type: err.cause.type ?? undefined, rule: err.cause.details?.[0], message: err.cause.message };
    }
    throw err;
  }
  throw new Error('the update was accepted');
}

/** How a run started straight on Temporal ended: the failure type that stopped it. */
async function failureOf(workflowId: string): Promise<{ type?: string; message: string }> {
  try {
    await env.lb.client.workflow.getHandle(workflowId).result();
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return { type: err.cause.type ?? undefined, message: err.cause.message };
    throw err;
  }
  throw new Error(`run ${workflowId} completed`);
}

const gatedCalls = () => env.target.calls.filter((c) => c.path.startsWith('/gated-') || c.path.startsWith('/own-')).length;

function startDirect(input: RunInput, workflowId = input.runId ?? `direct-${randomUUID()}`, reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE' = 'REJECT_DUPLICATE') {
  return env.lb.client.workflow.start('runbookWorkflow', {
    workflowId,
    taskQueue: env.lb.taskQueue,
    args: [input],
    workflowIdReusePolicy: reuse,
    typedSearchAttributes: runSearchAttributes(input.runbook?.id ?? input.ref?.id ?? 'x', input.mode),
  });
}

describe('updates sent straight to Temporal', () => {
  it('refuses an approveStepUpdate with a forged actor, unsigned or with a made-up signature', async () => {
    const before = gatedCalls();
    const run = await startRun(env.lb, approvalRunbook(), { requester: 'alice' });
    await run.until('approval waiting', (s) => s.steps[0]!.status === 'waiting');
    const raw = env.lb.client.workflow.getHandle(run.runId);
    const forged = { stepId: 'go', decision: 'approve' as const, actor: 'bob', roles: ['dba'] };
    const unsigned = await refusal(raw.executeUpdate(approveStepUpdate, { args: [forged] }));
    expect(unsigned).toMatchObject({ type: 'Forbidden', rule: 'signed-identity', message: expect.stringContaining('not signed') });
    const madeUp = { ...forged, proof: { issuedAt: new Date().toISOString(), nonce: randomBytes(16).toString('base64url'), mac: randomBytes(32).toString('base64url') } };
    expect(await refusal(raw.executeUpdate(approveStepUpdate, { args: [madeUp] }))).toMatchObject({ type: 'Forbidden', rule: 'signed-identity' });
    // Signed with a key of the attacker's own.
    const ownKey = new Signer(randomBytes(32).toString('base64')).signUpdate(run.runId, approveStepUpdate.name, forged);
    expect(await refusal(raw.executeUpdate(approveStepUpdate, { args: [ownKey] }))).toMatchObject({ type: 'Forbidden', rule: 'signed-identity' });
    const state = await raw.query(runStateQuery);
    expect(state.steps[0]).toMatchObject({ status: 'waiting', approvals: [] });
    expect(gatedCalls()).toBe(before);
    await run.handle.executeUpdate(approveStepUpdate, { args: [{ ...forged, actor: 'bob' }] });
    expect((await run.result()).status).toBe('completed');
  });

  it('refuses a signed update replayed, sent to another run, altered, or expired', async () => {
    const run = await startRun(env.lb, { id: 'replay', steps: [{ id: 'hold', action: 'wait', with: { duration: '1h' } }] });
    const other = await startRun(env.lb, { id: 'replay', steps: [{ id: 'hold', action: 'wait', with: { duration: '1h' } }] });
    await run.until('holding', (s) => s.steps[0]!.status === 'running');
    await other.until('holding', (s) => s.steps[0]!.status === 'running');
    const raw = env.lb.client.workflow.getHandle(run.runId);
    const pause = env.lb.signer.signUpdate(run.runId, pauseRunUpdate.name, { actor: 'olga', roles: ['operator'], reason: 'look' });
    expect((await raw.executeUpdate(pauseRunUpdate, { args: [pause] })).state.status).toBe('paused');
    await run.handle.executeUpdate(resumeRunUpdate, { args: [{ actor: 'olga', roles: ['operator'] }] });
    expect(await refusal(raw.executeUpdate(pauseRunUpdate, { args: [pause] }))).toMatchObject({
      type: 'Forbidden',
      rule: 'signed-identity',
      message: expect.stringContaining('used once'),
    });
    const elsewhere = env.lb.client.workflow.getHandle(other.runId);
    expect(await refusal(elsewhere.executeUpdate(pauseRunUpdate, { args: [pause] }))).toMatchObject({ type: 'Forbidden', rule: 'signed-identity' });
    const fresh = env.lb.signer.signUpdate(run.runId, pauseRunUpdate.name, { actor: 'vic', roles: ['viewer'] });
    expect(await refusal(raw.executeUpdate(pauseRunUpdate, { args: [{ ...fresh, roles: ['operator'] }] }))).toMatchObject({ type: 'Forbidden', rule: 'signed-identity' });
    const old = env.lb.signer.signUpdate(run.runId, pauseRunUpdate.name, { actor: 'olga', roles: ['operator'] }, new Date(Date.now() - 10 * 60_000));
    expect(await refusal(raw.executeUpdate(pauseRunUpdate, { args: [old] }))).toMatchObject({
      type: 'Forbidden',
      rule: 'signed-identity',
      message: expect.stringContaining('window'),
    });
    expect((await raw.query(runStateQuery)).status).toBe('running');
    for (const r of [run, other]) await r.handle.executeUpdate(pauseRunUpdate, { args: [{ actor: 'olga', roles: ['operator'] }] });
    for (const r of [run, other]) await r.handle.terminate('test over');
  });
});

describe('runs started straight on Temporal', () => {
  it('refuses an inline runbook of its own, unsigned, signed by another key, or altered after signing', async () => {
    const id = await registerRunbook(env.lb, { id: 'inline', steps: [{ id: 'first', action: 'wait', with: { duration: '10ms' } }] });
    const registered = (await getRunbook(env.lb.store.db, id))!;
    const own = { ...registered.runbook, steps: [{ id: 'first', action: 'http' as const, with: { url: `${env.target.url}/own-${randomUUID()}`, method: 'POST' as const } }] };
    const base = (runId: string): RunInput => ({
      runId,
      runbook: own as RunInput['runbook'],
      version: registered.version,
      hash: registered.hash,
      mode: 'recovery',
      parameters: {},
      requester: 'alice',
      trigger: { kind: 'api', by: 'alice' },
    });
    const before = gatedCalls();
    const unsigned = `direct-${randomUUID()}`;
    await startDirect(base(unsigned));
    expect(await failureOf(unsigned)).toMatchObject({ type: 'BadSignature' });
    // Even the registered runbook, unchanged, does not run without the API's signature.
    const plain = `direct-${randomUUID()}`;
    await startDirect({ ...base(plain), runbook: registered.runbook });
    expect(await failureOf(plain)).toMatchObject({ type: 'BadSignature', message: expect.stringContaining('without the API') });
    const foreign = `direct-${randomUUID()}`;
    await startDirect({ ...new Signer(randomBytes(32).toString('base64')).signStart(base(foreign)), runbook: registered.runbook });
    expect(await failureOf(foreign)).toMatchObject({ type: 'BadSignature' });
    // Signed by the API for the registered runbook, then the runbook swapped.
    const altered = `direct-${randomUUID()}`;
    await startDirect({ ...env.lb.signer.signStart({ ...base(altered), runbook: registered.runbook }), runbook: own as RunInput['runbook'] });
    expect(await failureOf(altered)).toMatchObject({ type: 'BadSignature' });
    // Even with the key, a runbook the registry does not hold for that version and hash does not run.
    const mislabelled = `direct-${randomUUID()}`;
    await startDirect(env.lb.signer.signStart(base(mislabelled)));
    expect(await failureOf(mislabelled)).toMatchObject({ type: 'BadSignature', message: expect.stringContaining('does not match its hash') });
    const unregistered = `direct-${randomUUID()}`;
    await startDirect(env.lb.signer.signStart({ ...base(unregistered), hash: runbookHash(own as RunInput['runbook'] & object) }));
    expect(await failureOf(unregistered)).toMatchObject({ type: 'BadSignature', message: expect.stringContaining('not in the registry') });
    expect(gatedCalls()).toBe(before);
  });

  it('refuses the input of a signed start replayed under another id or after its run ended', async () => {
    const path = `/gated-${randomUUID()}`;
    const run = await startRun(env.lb, { id: 'once', steps: [{ id: 'call', action: 'http', with: { url: `${env.target.url}${path}`, method: 'POST' } }] });
    expect((await run.result()).status).toBe('completed');
    const history = await env.lb.client.workflow.getHandle(run.runId).fetchHistory();
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const signed = defaultPayloadConverter.fromPayload<RunInput>(payload);
    expect(signed.proof).toBeDefined();
    const copy = `direct-${randomUUID()}`;
    await startDirect(signed, copy);
    expect(await failureOf(copy)).toMatchObject({ type: 'BadSignature', message: expect.stringContaining('not this workflow') });
    await startDirect(signed, run.runId, 'ALLOW_DUPLICATE');
    expect(await failureOf(run.runId)).toMatchObject({ type: 'BadSignature', message: expect.stringContaining('already ran') });
    expect(env.target.count(path)).toBe(1);
  });

  it("refuses a schedule's signed input for runs that are not that schedule's, or with its parameters changed", async () => {
    const runbook = await registerRunbook(env.lb, { id: 'sched', parameters: { region: { type: 'string' } }, steps: [{ id: 'w', action: 'wait', with: { duration: '10ms' } }] });
    const signed = env.lb.signer.signStart(scheduledRunInput({ id: `nightly-${randomUUID().slice(0, 8)}`, runbook, parameters: { region: 'eu' } }), 'schedule');
    const stranger = `direct-${randomUUID()}`;
    await startDirect(signed, stranger);
    expect(await failureOf(stranger)).toMatchObject({ type: 'BadSignature', message: expect.stringContaining('schedule') });
    const changed = `${signed.trigger.by}-2026-01-01T00:00:00Z`;
    await startDirect({ ...signed, parameters: { region: 'us' } }, changed);
    expect(await failureOf(changed)).toMatchObject({ type: 'BadSignature' });
    // A workflow named as the schedule's own starts are (<schedule id>-<time>) that the schedule did not start.
    const lookalike = `${signed.trigger.by}-2026-01-02T00:00:00Z`;
    await startDirect(signed, lookalike);
    expect(await failureOf(lookalike)).toMatchObject({ type: 'BadSignature', message: expect.stringContaining('does not exist') });
  });

  it("refuses a real schedule's action input copied through the Temporal client, while the schedule's own start runs", async () => {
    const path = `/scheduled-${randomUUID()}`;
    const runbook = await registerRunbook(env.lb, { id: 'sched', steps: [{ id: 'call', action: 'http', with: { url: `${env.target.url}${path}`, method: 'POST' } }] });
    const schedules = new ScheduleService({ client: env.lb.client, db: env.lb.store.db, taskQueue: env.lb.taskQueue, signer: env.lb.signer });
    const id = `copied-${randomUUID().slice(0, 8)}`;
    await schedules.create(CreateSchedule.parse({ id, runbook, every: '30d', paused: true }));
    try {
      // What someone with Temporal access sees: the schedule's action, with its signed input.
      const { action } = await env.lb.client.schedule.getHandle(id).describe();
      if (action.type !== 'startWorkflow') throw new Error('the schedule starts no workflow');
      const copied = action.args?.[0] as RunInput;
      expect(copied.proof).toBeDefined();
      // The copy, under an id of the schedule's own form and at a time that fits it.
      const copy = `${id}-${new Date().toISOString().slice(0, 19)}Z`;
      await startDirect(copied, copy);
      expect(await failureOf(copy)).toMatchObject({ type: 'BadSignature', message: expect.stringContaining(`not started by schedule ${id}`) });
      expect(env.target.count(path)).toBe(0);
      // The schedule's own start, with the same input, runs.
      await schedules.trigger(id);
      const own = await waitFor(
        'the triggered drill',
        async () => (await env.lb.client.schedule.getHandle(id).describe()).info.recentActions,
        (a) => a.length > 0,
      );
      expect((await env.lb.client.workflow.getHandle(own[0]!.action.workflow.workflowId).result()).status).toBe('completed');
      expect(env.target.count(path)).toBe(1);
    } finally {
      await schedules.delete(id);
    }
  });
});
