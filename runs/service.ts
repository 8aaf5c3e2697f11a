import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { randomBytes, type KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { runStateQuery } from '../contract/messages';
import { REJECTION, runSearchAttributes } from '../contract/names';
import type { Actor, ControlResult, PinnedRun, RunRecord, RunState, RunTrigger } from '../contract/run';
import { Mode } from '../model/runbook';
import type { Db } from '../store/connection';
import { getRunbook, type RunbookVersion } from '../store/registry';
import { getFinalState, keepFinalState } from '../store/final-states';
import { getRun } from '../store/runs';
import { readTimeline, readTimelineJson, timelineHeadSeq, verifyTimeline } from '../store/timeline';
import type { ChainVerification, StoredTimelineEvent } from '../timeline/event';
import type { Anchors } from '../timeline/evidence';
import { temporalAnchors } from './anchors';
import { DomainError } from './errors';
import { assertRunExists } from './follow';
import { resolveParameters } from './parameters';
import type { Signer } from './signing';

// How long a read waits for a run between two workflow runs (continue-as-new) to answer its state query again.
const QUERY_SETTLE_MS = 3000;
const QUERY_RETRY_MS = 25;

/** What starting a run answers. */
export const StartedRun = z.object({ runId: z.string(), runbook: z.string(), version: z.int(), hash: z.string(), mode: Mode }).meta({ id: 'StartedRun' });
export type StartedRun = z.infer<typeof StartedRun>;

/** The answer for a prepared run. */
export function startedRun(input: PinnedRun): StartedRun {
  return { runId: input.runId, runbook: input.runbook.id, version: input.version, hash: input.hash, mode: input.mode };
}

export interface TriggerRequest {
  runbook: string;
  version?: number;
  mode: Mode;
  parameters?: Record<string, unknown>;
  declaredAt?: string;
}

/** Starting runs and reading them: what the API and the schedules share. */
export class RunService {
  constructor(private readonly deps: { client: Client; db: Db; taskQueue: string; signer: Signer; limits?: PinnedRun['limits']; evidenceKey?: KeyObject }) {}

  /** The task queue runs are started on (schedules start theirs on the same one). */
  get taskQueue(): string {
    return this.deps.taskQueue;
  }

  /** What signs starts and updates (schedules sign theirs with it too). */
  get signer(): Signer {
    return this.deps.signer;
  }

  /** Validates the request against the pinned runbook version and starts its workflow. */
  async trigger(req: TriggerRequest, requester: string, trigger: RunTrigger): Promise<StartedRun> {
    const input = await this.prepare(req, requester, trigger);
    await this.start(input);
    return startedRun(input);
  }

  /**
   * Checks a run request and pins it: the runbook version, parameters with defaults, and the run id (`runId`
   * when given, e.g. to start a run recorded under an idempotency key). Starts nothing.
   */
  async prepare(req: TriggerRequest, requester: string, trigger: RunTrigger, runId?: string): Promise<PinnedRun> {
    const pinned = await getRunbook(this.deps.db, req.runbook, req.version);
    if (!pinned) {
      const what = req.version === undefined ? `runbook ${req.runbook}` : `version ${req.version} of runbook ${req.runbook}`;
      throw new DomainError('not-found', `${what} is not registered; list runbooks with GET /runbooks`);
    }
    assertRunnable(pinned, req);
    const params = resolveParameters(pinned.runbook, req.parameters ?? {});
    if (!params.ok)
      throw new DomainError('invalid', `parameters do not fit runbook ${req.runbook}: ${params.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, params.issues);
    return {
      runId: runId ?? newRunId(pinned.runbook.id),
      runbook: pinned.runbook,
      version: pinned.version,
      hash: pinned.hash,
      mode: req.mode,
      parameters: params.values,
      requester,
      trigger,
      declaredAt: req.declaredAt,
      limits: this.deps.limits,
    };
  }

  /**
   * Starts a prepared run, signed: the run checks the signature and the runbook against the registry before its first
   * step. A run id is never reused, even after its run closed, so starting the same input twice starts one workflow
   * (the second start throws WorkflowExecutionAlreadyStartedError).
   */
  async start(input: PinnedRun): Promise<void> {
    await this.deps.client.workflow.start('runbookWorkflow', {
      workflowId: input.runId,
      taskQueue: this.deps.taskQueue,
      args: [this.deps.signer.signStart(input)],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: runSearchAttributes(input.runbook.id, input.mode),
    });
  }

  /**
   * The run's durable record with its live state from the workflow (undefined state once history is gone). Once the
   * record says the run ended, the state comes from the store: kept on the first read after the end, it no longer
   * changes, and a query of a closed workflow would replay its whole history on a worker.
   */
  async get(runId: string): Promise<{ record: RunRecord; state?: RunState }> {
    const record = await getRun(this.deps.db, runId);
    const ended = record !== undefined && record.status !== 'running';
    if (ended) {
      const kept = await getFinalState(this.deps.db, runId);
      if (kept) return { record, state: kept };
    }
    const state = await this.liveState(runId);
    // The record is written as the run ends, and the state said so too: from now on it does not change.
    if (ended && state && state.status !== 'running' && state.status !== 'paused') await keepFinalState(this.deps.db, state);
    if (!record) {
      if (!state) throw new DomainError('not-found', `run ${runId} does not exist`);
      // Started, but its first write has not landed yet.
      return { record: recordFromState(state), state };
    }
    return { record, state };
  }

  /**
   * The workflow's answer to the state query (undefined once its history is gone). A run that continues as new answers
   * once the new workflow run's start check has read its runbook from the registry (workflows/runbook.ts), tens of
   * milliseconds: a query in between that fails (no handler yet, the interim refusal) is asked again, up to QUERY_SETTLE_MS.
   */
  private async liveState(runId: string): Promise<RunState | undefined> {
    const deadline = Date.now() + QUERY_SETTLE_MS;
    for (let wait = QUERY_RETRY_MS; ; wait = Math.min(wait * 2, 400)) {
      try {
        return await this.deps.client.workflow.getHandle(runId).query(runStateQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        // Not only "no handler yet": a query racing the new run's first task (its start check is a local activity)
        // was seen failing once, and the interim handler refuses until the check answers. A read is safe to repeat.
        if (Date.now() + wait > deadline) throw err;
      }
      await sleep(wait);
    }
  }

  /**
   * Sends an operator message (approve, pause, skip, abort…), signed with who sends it, and answers at once: accepted
   * with the new state, or a DomainError saying why not and naming the rule (forbidden for the wrong person or role,
   * four eyes, a bad signature; conflict when the run is not awaiting it).
   */
  async control<A extends Actor>(runId: string, update: UpdateDefinition<ControlResult, [A]>, arg: A): Promise<ControlResult> {
    const handle: WorkflowHandle = this.deps.client.workflow.getHandle(runId);
    try {
      return await handle.executeUpdate(update, { args: [this.deps.signer.signUpdate(runId, update.name, arg)] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const kind = err.cause.type === REJECTION.forbidden ? 'forbidden' : err.cause.type === REJECTION.conflict ? 'conflict' : 'invalid';
        const rule = err.cause.details?.[0];
        throw new DomainError(kind, err.cause.message, [], typeof rule === 'string' ? rule : undefined);
      }
      if (err instanceof WorkflowNotFoundError || isNotFound(err)) {
        const record = await getRun(this.deps.db, runId);
        if (record) throw new DomainError('conflict', `run ${runId} has ended (${record.status}); it takes no more operator actions`);
        throw new DomainError('not-found', `run ${runId} does not exist`);
      }
      throw err;
    }
  }

  async timeline(runId: string, afterSeq = 0): Promise<StoredTimelineEvent[]> {
    const { events, head } = await readTimeline(this.deps.db, runId, afterSeq);
    // A run exists from the moment Temporal accepted its start, before its workflow stores anything.
    if (!head) await assertRunExists(this.deps, runId);
    return events;
  }

  /**
   * The run's events as JSON text in parts: joined with ',' inside brackets, what `JSON.stringify(await timeline(runId))`
   * gives, without serialising them again on every read (store/timeline.ts, readTimelineJson).
   */
  async timelineJson(runId: string): Promise<Buffer[]> {
    const { parts, head } = await readTimelineJson(this.deps.db, runId);
    if (!head) await assertRunExists(this.deps, runId);
    return parts;
  }

  /** Checks the run's stored chain, and that it passes through the signed heads Temporal keeps (docs/evidence.md). */
  async verify(runId: string): Promise<ChainVerification> {
    // Whether the run exists, without reading its timeline twice.
    if ((await timelineHeadSeq(this.deps.db, runId)) === 0) await assertRunExists(this.deps, runId);
    return verifyTimeline(this.deps.db, runId, await this.anchors(runId), this.deps.evidenceKey);
  }

  /** The signed timeline heads Temporal keeps for the run, read from its workflow histories. */
  anchors(runId: string): Promise<Anchors> {
    return temporalAnchors(this.deps.client, runId);
  }

  /** The public key heads are verified with (the configured evidence key's), if any. */
  get evidenceKey(): KeyObject | undefined {
    return this.deps.evidenceKey;
  }
}

// Clocks disagree by seconds, not minutes: a declaration this far ahead of the API's clock is a mistake or a way to
// stretch the recovery clock (RTO counts from the declaration).
const DECLARED_AT_SKEW_MS = 60_000;

// Change control (catalog/service.ts, uploadPolicy) and a sane disaster declaration, before anything starts.
function assertRunnable(pinned: RunbookVersion, req: TriggerRequest): void {
  if (req.mode === 'recovery' && pinned.reviewNeeded && !pinned.review) {
    throw new DomainError(
      'forbidden',
      `runbook ${req.runbook} v${pinned.version} was uploaded by ${pinned.uploadedBy ?? 'an author'} and changes command steps or secret references (${pinned.changes.join('; ')}); ` +
        `recovery mode runs it only after a second person reviews it (rule LIFEBOAT_RUNBOOK_REVIEW=required): POST /runbooks/${req.runbook}/versions/${pinned.version}/review. Drills may run it now.`,
    );
  }
  if (req.declaredAt !== undefined && Date.parse(req.declaredAt) > Date.now() + DECLARED_AT_SKEW_MS) {
    const message = `is in the future (${req.declaredAt}); declare the disaster at the time it was declared, not later than now`;
    throw new DomainError('invalid', `declaredAt ${message}`, [{ path: 'body.declaredAt', message }]);
  }
}

/** A run id readable by people and unique: `<runbook>-<UTC date and time>-<random>`. */
export function newRunId(runbookId: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${runbookId}-${stamp}-${randomBytes(3).toString('hex')}`;
}

function isNotFound(err: unknown): boolean {
  // A closed workflow answers updates with gRPC NOT_FOUND (code 5) rather than WorkflowNotFoundError.
  return typeof err === 'object' && err !== null && ((err as { code?: unknown }).code === 5 || (err as { cause?: { code?: unknown } }).cause?.code === 5);
}

function recordFromState(s: RunState): RunRecord {
  return {
    runId: s.runId,
    runbookId: s.runbookId,
    version: s.version,
    hash: s.hash,
    mode: s.mode,
    status: s.status === 'paused' ? 'running' : s.status,
    requester: 'unknown',
    trigger: { kind: 'api', by: 'unknown' },
    parameters: {},
    startedAt: s.startedAt,
  };
}
