import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { createHash } from 'node:crypto';
import type { RunTrigger } from '../contract/run';
import { canonicalJson } from '../model/hash';
import type { Db } from '../store/connection';
import { claimIdempotencyKey, idempotencyId } from '../store/idempotency';
import { getRun } from '../store/runs';
import { DomainError } from './errors';
import { startedRun, type RunService, type StartedRun, type TriggerRequest } from './service';

/**
 * Starts a run at most once per (caller, Idempotency-Key): the key is recorded with the run id before the workflow
 * starts, and Temporal refuses a second workflow with that id, so retries, concurrent duplicates and a crash
 * between the two steps all end with one run. Answers whether this call started it.
 */
export async function triggerOnce(
  runs: RunService,
  db: Db,
  o: { subject: string; key: string; request: TriggerRequest; trigger: RunTrigger },
): Promise<{ run: StartedRun; replayed: boolean }> {
  const hash = requestHash(o.request);
  const input = await runs.prepare(o.request, o.subject, o.trigger);
  const { claimed, record } = await claimIdempotencyKey(db, idempotencyId(o.subject, o.key), {
    requestHash: hash,
    runId: input.runId,
    version: input.version,
    createdAt: new Date().toISOString(),
  });
  if (claimed) {
    await runs.start(input);
    return { run: startedRun(input), replayed: false };
  }
  if (record.requestHash !== hash) {
    throw new DomainError('conflict', 'this Idempotency-Key was already used with a different request; use a new key for a new run');
  }
  // The first request may have died before starting its run: start it now, pinned to the version it recorded.
  const pinned = await runs.prepare({ ...o.request, version: record.version }, o.subject, o.trigger, record.runId);
  if (!(await getRun(db, record.runId))) {
    try {
      await runs.start(pinned);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return { run: startedRun(pinned), replayed: true };
}

/** The fingerprint a key is bound to: equal requests (whatever their key order) have equal hashes. */
export function requestHash(request: TriggerRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}
