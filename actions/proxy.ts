import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** The activities of one attempt of an automated step, bounded by the attempt's timeout. */
export function attemptActivities(timeoutMs: number) {
  // One attempt per activity: the workflow owns retries so every attempt is on the timeline.
  return proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: timeoutMs > 60_000 ? 30_000 : undefined,
    retry: { maximumAttempts: 1 },
  });
}

/** The idempotency key of one attempt of a step (sent to targets as Idempotency-Key). */
export function attemptKey(runId: string, stepId: string, attempt: number): string {
  return `${runId}/${stepId}/${attempt}`;
}
