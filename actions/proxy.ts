import { proxyActivities } from '@temporalio/workflow';
import type { commandActivities } from '../activities/command';
import type { httpActivities } from '../activities/http';

/** The activities automated steps call (named from their modules, not the whole registry, to keep the language acyclic). */
type StepActivities = ReturnType<typeof httpActivities> & ReturnType<typeof commandActivities>;

/** The activities of one attempt of an automated step, bounded by the attempt's timeout. */
export function attemptActivities(timeoutMs: number) {
  // One attempt per activity: the workflow owns retries so every attempt is on the timeline.
  return proxyActivities<StepActivities>({
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: timeoutMs > 60_000 ? 30_000 : undefined,
    retry: { maximumAttempts: 1 },
  });
}

/** The idempotency key of one attempt of a step (sent to targets as Idempotency-Key). */
export function attemptKey(runId: string, stepId: string, attempt: number): string {
  return `${runId}/${stepId}/${attempt}`;
}
