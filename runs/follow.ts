import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { Db } from '../store/connection';
import { getRun } from '../store/runs';
import { readTimeline, timelineHeadSeq } from '../store/timeline';
import type { StoredTimelineEvent } from '../timeline/event';
import { DomainError } from './errors';

/** The Last-Event-ID an event stream resumes after: the seq of the last event received (the CLI's --after too). */
export const LastEventId = z
  .string()
  .regex(/^\d{1,10}$/, 'expected the seq of the last event received, e.g. 12')
  .transform(Number);

export type FollowItem = { kind: 'event'; event: StoredTimelineEvent } | { kind: 'end'; status: string };

type Deps = { db: Db; client: Client };

/** Throws a not-found DomainError unless the run has a record, a timeline or a workflow (just started). */
export async function assertRunExists(deps: Deps, runId: string): Promise<void> {
  if (await getRun(deps.db, runId)) return;
  if ((await timelineHeadSeq(deps.db, runId)) > 0) return;
  if ((await workflowStatus(deps, runId)) === undefined) throw new DomainError('not-found', `run ${runId} does not exist`);
}

/**
 * A run's timeline events after `afterSeq`, in order, then new ones as they are stored, ending once the run has
 * ended and its last event was given. Polls every `pollMs`: FerretDB v1 has no change streams. Stops when
 * `signal` aborts (the client went away).
 */
export async function* followTimeline(deps: Deps, runId: string, o: { afterSeq: number; pollMs: number; signal: AbortSignal }): AsyncGenerator<FollowItem> {
  let after = o.afterSeq;
  const fresh = async function* (): AsyncGenerator<FollowItem> {
    for (const event of (await readTimeline(deps.db, runId, after)).events) {
      after = event.seq;
      yield { kind: 'event', event };
    }
  };
  while (!o.signal.aborted) {
    yield* fresh();
    const ended = await endedStatus(deps, runId);
    if (ended) {
      // The workflow stores its last events before its record says it ended, so one more read gets them all.
      yield* fresh();
      yield { kind: 'end', status: ended };
      return;
    }
    try {
      await delay(o.pollMs, undefined, { signal: o.signal });
    } catch {
      return; // aborted
    }
  }
}

/** The final status of an ended run, or undefined while it runs. */
async function endedStatus(deps: Deps, runId: string): Promise<string | undefined> {
  const record = await getRun(deps.db, runId);
  if (record) return record.status === 'running' ? undefined : record.status;
  // No record: the run has not written it yet, or its workflow failed before it could (e.g. its runbook vanished).
  const status = await workflowStatus(deps, runId);
  return status === undefined || status === 'RUNNING' ? undefined : status.toLowerCase();
}

async function workflowStatus(deps: Deps, runId: string): Promise<string | undefined> {
  try {
    return (await deps.client.workflow.getHandle(runId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
