import { ApplicationFailure, executeChild } from '@temporalio/workflow';
import type { RunState } from '../runs/types';
import type { Step } from './actions';
import type { RunEngine } from './engine';
import { SEARCH_ATTRIBUTES } from './names';

/**
 * Runs a `runbook` step: the named runbook as a child workflow with its own run id and timeline, in the same mode.
 * The child's failure is this step's failure; cancelling this step cancels the child.
 */
export async function runChildRunbook(engine: RunEngine, step: Extract<Step, { action: 'runbook' }>, attempt: number): Promise<{ runId: string; status: string }> {
  const { run } = engine;
  const childId = `${run.runId}.${step.id}.${attempt}`;
  const result: RunState = await executeChild('runbookWorkflow', {
    workflowId: childId,
    args: [{
      runId: childId,
      ref: { id: step.with.runbook, version: step.with.version },
      mode: run.mode,
      parameters: step.with.parameters ?? {},
      requester: run.requester,
      trigger: { kind: 'parent', by: run.runId },
    }],
    searchAttributes: {
      [SEARCH_ATTRIBUTES.runbookId]: [step.with.runbook],
      [SEARCH_ATTRIBUTES.mode]: [run.mode],
      [SEARCH_ATTRIBUTES.status]: ['running'],
    },
  });
  if (result.status !== 'completed') {
    throw ApplicationFailure.nonRetryable(`sub-runbook ${step.with.runbook} (run ${childId}) ${result.status}${result.error ? `: ${result.error}` : ''}`, 'ChildRunFailed');
  }
  return { runId: childId, status: result.status };
}
