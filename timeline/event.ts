import { z } from 'zod';

/** Every kind of event a run's timeline records. */
export const TimelineEventType = z.enum([
  'run.started', 'run.paused', 'run.resumed', 'run.completed', 'run.failed', 'run.aborted', 'run.continued',
  'step.started', 'step.succeeded', 'step.failed', 'step.retrying', 'step.timed-out', 'step.skipped', 'step.simulated',
  'approval.requested', 'approval.granted', 'approval.rejected', 'approval.escalated', 'approval.expired',
  'manual.assigned', 'manual.completed', 'manual.failed',
  'decision.needed', 'decision.made',
  'rollback.started', 'rollback.step-undone', 'rollback.step-failed', 'rollback.completed',
  'notification.sent', 'notification.failed',
  'recovery.achieved',
]);
export type TimelineEventType = z.infer<typeof TimelineEventType>;

/** An event as the workflow emits it: the sequence number and time come from workflow history, so replays agree. */
export const TimelineEvent = z.object({
  seq: z.number().int().min(1),
  at: z.string(), // ISO-8601, the workflow's deterministic clock
  type: TimelineEventType,
  actor: z.string(), // 'lifeboat' for the engine itself, otherwise the person or schedule
  stepId: z.string().optional(),
  attempt: z.number().int().min(1).optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

/** An event as stored: chained to the one before by hash, so an edit, deletion or reordering shows. */
export const StoredTimelineEvent = TimelineEvent.extend({
  runId: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
export type StoredTimelineEvent = z.infer<typeof StoredTimelineEvent>;

/** What verifying a run's chain found: ok, or the first event that does not check out and why. */
export const ChainVerification = z.object({
  ok: z.boolean(),
  events: z.number().int(),
  headHash: z.string().optional(),
  firstBad: z
    .object({ seq: z.number().int(), problem: z.enum(['edited', 'missing', 'reordered']), message: z.string() })
    .optional(),
});
export type ChainVerification = z.infer<typeof ChainVerification>;
