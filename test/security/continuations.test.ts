import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { identityActivities, type StartFacts } from '../../activities/identity';
import { loadConfig } from '../../config';
import { continuationInput } from '../../contract/continuation';
import { approveStepUpdate } from '../../contract/messages';
import type { PinnedRun, RunInput } from '../../contract/run';
import { Signer } from '../../runs/signing';
import { getRunbook } from '../../store/registry';
import { registerRunbook, startRun, useLifeboat } from '../harness/runs';

// A run continues as new naming its runbook by id, version and hash (contract/continuation.ts); the next workflow run's
// start check reads that version from the registry. Whoever reaches Temporal or the database tries to make a run
// continue with a definition other than the one it started with, or to start a run from a continuation's input.

const env = useLifeboat();

/** What the start check refused: its message (it throws BadSignature, non-retryable). */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'BadSignature' && err.nonRetryable) return err.message;
    throw err;
  }
  throw new Error('the start check accepted it');
}

describe("a continuation's start check", () => {
  it("answers the registry's definition only for the worker's continuation of this run, of a registered version with its hash", async () => {
    const id = await registerRunbook(env.lb, { id: 'continued', steps: [{ id: 'a', action: 'wait', with: { duration: '10ms' } }] });
    const registered = (await getRunbook(env.lb.store.db, id))!;
    const runId = `continued-${randomUUID()}`;
    const run: PinnedRun = {
      runId,
      runbook: registered.runbook,
      version: registered.version,
      hash: registered.hash,
      mode: 'recovery',
      parameters: {},
      requester: 'alice',
      trigger: { kind: 'api', by: 'alice' },
    };
    const input = continuationInput(run, {
      steps: [],
      timelineSeq: 2,
      startedAt: new Date().toISOString(),
      clockStart: Date.now(),
      paused: false,
      completions: 0,
      notifications: 0,
      continued: 1,
    });
    // The worker's own check, as its activity runs it; the facts are Temporal's (workflowInfo), which a client cannot set.
    const { verifyRunStart } = identityActivities({ store: env.lb.store, config: loadConfig(process.env), smtpUrl: '', env: {} });
    const continued: StartFacts = { workflowId: runId, child: false, continued: true };
    const check = (signed: RunInput, facts = continued) => verifyRunStart({ run: signed, facts });
    const worker = env.lb.signer; // the key the worker signs continuations with
    const otherHash = 'f'.repeat(64);

    expect(await check(worker.signStart(input, 'continue'))).toMatchObject({ pinned: { runbook: registered.runbook, version: registered.version, hash: registered.hash } });

    expect(await refusal(check(input))).toContain('not signed by the worker');
    expect(await refusal(check(new Signer(randomBytes(32).toString('base64')).signStart(input, 'continue')))).toContain('signature does not match');
    expect(await refusal(check({ ...worker.signStart(input, 'continue'), hash: otherHash }))).toContain('signature does not match');
    expect(await refusal(check({ ...worker.signStart(input, 'continue'), ref: { id, version: 2 } }))).toContain('signature does not match');
    // Even signed with the key: only a registered version whose definition still has the hash runs.
    expect(await refusal(check(worker.signStart({ ...input, hash: otherHash }, 'continue')))).toContain(`does not have hash ${otherHash}`);
    expect(await refusal(check(worker.signStart({ ...input, ref: { id, version: 2 } }, 'continue')))).toContain(`runbook ${id} v2, which is not in the registry`);
    expect(await refusal(check(worker.signStart({ ...input, ref: { id: `${id}-other`, version: 1 } }, 'continue')))).toContain('not in the registry');
    expect(await refusal(check(worker.signStart({ ...input, ref: { id } }, 'continue')))).toContain('names no runbook version');
    // A continuation's input copied from Temporal and started as a run of its own, or as another workflow's.
    expect(await refusal(check(worker.signStart(input, 'continue'), { ...continued, continued: false }))).toContain("only that run's continue-as-new starts it");
    expect(await refusal(check(worker.signStart(input, 'continue'), { ...continued, workflowId: `${runId}-copy` }))).toContain('not this workflow');
  });
});

describe('a run whose registered version changes in the database while it runs', () => {
  it.each([
    ['rewritten', 'does not have hash'],
    ['deleted', 'is not in the registry'],
  ])(
    'does not continue when the version is %s',
    async (how, message) => {
      // The approval holds the run in its first workflow run; once approved, 30 steps in 3 lanes take it past its
      // history limit, and it continues as new: the registry is read then.
      const LANES = 3;
      const lanes = Array.from({ length: 30 }, (_, i) => ({
        id: `s${i}`,
        action: 'http',
        with: { url: `${env.target.url}/registered-${randomUUID()}` },
        needs: [i < LANES ? 'go' : `s${i - LANES}`],
      }));
      const run = await startRun(env.lb, { id: 'changed', steps: [{ id: 'go', action: 'approval', with: { approvers: ['dba'] } }, ...lanes] }, { limits: { historyEvents: 100 } });
      await run.until('the approval', (s) => s.steps[0]!.status === 'waiting');

      // A database administrator edits the stored version: same id, version and recorded hash, other steps.
      const rewritten = `/rewritten-${randomUUID()}`;
      const versions = env.lb.store.db.collection<{ _id: string; definition: string }>('runbook_versions');
      const _id = `${run.runbook}@1`;
      if (how === 'rewritten') {
        const doc = (await versions.findOne({ _id }))!;
        const definition = JSON.parse(doc.definition) as { steps: Array<{ with: { url?: string } }> };
        for (const step of definition.steps) if (step.with.url) step.with.url = `${env.target.url}${rewritten}`;
        await versions.updateOne({ _id }, { $set: { definition: JSON.stringify(definition) } });
      } else {
        await versions.deleteOne({ _id });
      }
      await run.handle.executeUpdate(approveStepUpdate, { args: [{ stepId: 'go', decision: 'approve', actor: 'bob', roles: ['dba'] }] });

      const failure = await run.result().then(
        (state) => new Error(`the run ended ${state.status}`),
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause).toMatchObject({ type: 'BadSignature', message: expect.stringContaining(message) });
      expect(cause?.message).toContain(`runbook ${run.runbook} v1`);
      // The refusal came from a continuation (not the first workflow run), and no step of another definition ran.
      const { runId, raw } = await run.handle.describe();
      expect(runId).not.toBe(raw.workflowExecutionInfo?.firstRunId);
      expect(env.target.count(rewritten)).toBe(0);
    },
    120_000,
  );
});
