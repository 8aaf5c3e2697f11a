// A step's live state and what a run waits for: the parts of the run contract that do not depend on the runbook
// language, so action and channel modules (which the language is built from) can name them without a cycle.
import { z } from 'zod';

export const StepStatus = z.enum(['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'simulated', 'cancelled']);
export type StepStatus = z.infer<typeof StepStatus>;

export const StepState = z.object({
  id: z.string(),
  title: z.string().optional(),
  action: z.string(),
  status: StepStatus,
  attempts: z.number().int(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  expectedMs: z.number().optional(),
  actualMs: z.number().optional(),
  error: z.string().optional(),
  reason: z.string().optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
  /** Approval steps: every decision so far, in order. */
  approvals: z.array(z.object({ actor: z.string(), decision: z.enum(['approve', 'reject']), comment: z.string().optional(), at: z.string() })).optional(),
  /** A failed `onFailure: ask` step waiting for an operator's decision. */
  awaitingDecision: z.boolean().optional(),
  /**
   * Which execution of the step this is (1 when absent): part of its idempotency key, so it changes only when an
   * operator asks for a fresh execution (docs/engine.md, "Idempotency").
   */
  execution: z.number().int().min(1).optional(),
});
export type StepState = z.infer<typeof StepState>;

/** Something the run cannot go on without: a person's approval, a manual task, an operator decision. */
export const WaitingFor = z.object({
  stepId: z.string().optional(),
  kind: z.enum(['approval', 'manual', 'decision', 'resume']),
  from: z.array(z.string()),
  message: z.string(),
  since: z.string(),
});
export type WaitingFor = z.infer<typeof WaitingFor>;

export const RecoveryClock = z.object({
  startedAt: z.string(),
  endsAt: z.string().optional(),
  targetMs: z.number().optional(),
  elapsedMs: z.number(),
  remainingMs: z.number().optional(),
  achievedMs: z.number().optional(),
  breached: z.boolean(),
});
export type RecoveryClock = z.infer<typeof RecoveryClock>;
