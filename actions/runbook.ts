import { ApplicationFailure, CancellationScope, executeChild } from '@temporalio/workflow';
import { FAILURE, runSearchAttributes } from '../contract/names';
import { defineAction, type Outcome } from './kit';

/**
 * `runbook`: the named runbook as a child workflow with its own run id and timeline, in the same mode. The child's
 * failure is this step's failure; cancelling this step cancels the child.
 */
export const runbook = defineAction({
  with: (k) =>
    k.z
      .strictObject({
        runbook: k.RunbookId.describe('The id of the child runbook to run.'),
        version: k.wholeNumber(1).optional().describe('The version to run (default: the latest when the parent run starts).'),
        parameters: k.z.record(k.Name, k.z.unknown()).optional().describe("The child run's parameters; templates allowed."),
      })
      .meta({ id: 'RunbookWith', description: 'The child runbook to run, its version and parameters.' }),
  resultFields: undefined,
  // Not used: a sub-runbook runs as long as its own steps take.
  timeoutMs: 60 * 60_000,
  expectedMs: () => 15 * 60_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: true,
  mayBeUndo: false,
  human: false,

  async run(step, ctx): Promise<Outcome> {
    const { run } = ctx;
    const childId = `${run.runId}.${step.id}.${ctx.attempt}`;
    // The version whose approvals the run was told of at its start (workflows/four-eyes.ts); none in older histories.
    const { gate } = ctx.slot();
    if (gate && gate.version === undefined) {
      throw ApplicationFailure.nonRetryable(`sub-runbook ${step.with.runbook} was not registered when run ${run.runId} started`, FAILURE.runbookNotFound);
    }
    // The child's RunState; only its outcome matters here.
    const result: { status: string; error?: string } = await executeChild('runbookWorkflow', {
      workflowId: childId,
      args: [
        {
          runId: childId,
          ref: { id: step.with.runbook, version: gate?.version ?? step.with.version },
          mode: run.mode,
          parameters: step.with.parameters ?? {},
          requester: run.requester,
          trigger: { kind: 'parent', by: run.runId },
        },
      ],
      typedSearchAttributes: runSearchAttributes(step.with.runbook, run.mode),
    });
    // Cancelling this step cancels the child, which then writes its end (aborted) and completes: that is this step
    // cancelled, not a failed child.
    if (CancellationScope.current().consideredCancelled) return { kind: 'cancelled' };
    if (result.status !== 'completed') {
      throw ApplicationFailure.nonRetryable(`sub-runbook ${step.with.runbook} (run ${childId}) ${result.status}${result.error ? `: ${result.error}` : ''}`, FAILURE.childRunFailed);
    }
    return { kind: 'succeeded', result: { runId: childId, status: result.status } };
  },
});
