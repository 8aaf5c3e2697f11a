import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/connection';
import { getRunbook } from '../store/registry';
import { getRun, type RunMode, type RunRecord } from '../store/runs';
import { readTimeline, verifyTimeline } from '../store/timeline';
import type { ChainVerification, StoredTimelineEvent } from '../timeline/event';
import { runStateQuery } from '../workflows/messages';
import { SEARCH_ATTRIBUTES } from '../workflows/names';
import { DomainError } from './errors';
import { resolveParameters } from './parameters';
import type { RunInput, RunState, RunTrigger } from './types';

export interface TriggerRequest {
  runbook: string;
  version?: number;
  mode: RunMode;
  parameters?: Record<string, unknown>;
  declaredAt?: string;
}

/** Starting runs and reading them: what the API and the schedules share. */
export class RunService {
  constructor(private readonly deps: { client: Client; db: Db; taskQueue: string }) {}

  /** Validates the request against the pinned runbook version and starts its workflow. */
  async trigger(req: TriggerRequest, requester: string, trigger: RunTrigger): Promise<{ runId: string; runbook: string; version: number; hash: string; mode: RunMode }> {
    const pinned = await getRunbook(this.deps.db, req.runbook, req.version);
    if (!pinned) {
      const what = req.version === undefined ? `runbook ${req.runbook}` : `version ${req.version} of runbook ${req.runbook}`;
      throw new DomainError('not-found', `${what} is not registered; list runbooks with GET /runbooks`);
    }
    const params = resolveParameters(pinned.runbook, req.parameters ?? {});
    if (!params.ok) throw new DomainError('invalid', `parameters do not fit runbook ${req.runbook}: ${params.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, params.issues);
    const runId = newRunId(pinned.runbook.id);
    const input: RunInput = {
      runId,
      runbook: pinned.runbook,
      version: pinned.version,
      hash: pinned.hash,
      mode: req.mode,
      parameters: params.values,
      requester,
      trigger,
      declaredAt: req.declaredAt,
    };
    await this.deps.client.workflow.start('runbookWorkflow', {
      workflowId: runId,
      taskQueue: this.deps.taskQueue,
      args: [input],
      searchAttributes: {
        [SEARCH_ATTRIBUTES.runbookId]: [pinned.runbook.id],
        [SEARCH_ATTRIBUTES.mode]: [req.mode],
        [SEARCH_ATTRIBUTES.status]: ['running'],
      },
    });
    return { runId, runbook: pinned.runbook.id, version: pinned.version, hash: pinned.hash, mode: req.mode };
  }

  /** The run's durable record with its live state from the workflow (undefined state once history is gone). */
  async get(runId: string): Promise<{ record: RunRecord; state?: RunState }> {
    const record = await getRun(this.deps.db, runId);
    let state: RunState | undefined;
    try {
      state = await this.deps.client.workflow.getHandle(runId).query(runStateQuery);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (!record) {
      if (!state) throw new DomainError('not-found', `run ${runId} does not exist`);
      // Started, but its first write has not landed yet.
      return { record: recordFromState(state), state };
    }
    return { record, state };
  }

  async timeline(runId: string, afterSeq = 0): Promise<StoredTimelineEvent[]> {
    const { events, head } = await readTimeline(this.deps.db, runId, afterSeq);
    if (!head && !(await getRun(this.deps.db, runId))) throw new DomainError('not-found', `run ${runId} does not exist`);
    return events;
  }

  async verify(runId: string): Promise<ChainVerification> {
    await this.timeline(runId);
    return verifyTimeline(this.deps.db, runId);
  }
}

/** A run id readable by people and unique: `<runbook>-<UTC date and time>-<random>`. */
export function newRunId(runbookId: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${runbookId}-${stamp}-${randomBytes(3).toString('hex')}`;
}

function recordFromState(s: RunState): RunRecord {
  return {
    runId: s.runId, runbookId: s.runbookId, version: s.version, hash: s.hash, mode: s.mode,
    status: s.status === 'paused' ? 'running' : s.status, requester: 'unknown', trigger: { kind: 'api', by: 'unknown' },
    parameters: {}, startedAt: s.startedAt,
  };
}
