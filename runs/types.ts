import { z } from 'zod';
import { Runbook } from '../model/runbook';
import { RunMode } from '../store/runs';

/** Who or what started a run. */
export const RunTrigger = z.object({ kind: z.enum(['api', 'schedule', 'cli', 'parent']), by: z.string() });
export type RunTrigger = z.infer<typeof RunTrigger>;

/** The workflow's input: a pinned runbook version and everything the run needs. Plain JSON. */
export const RunInput = z.object({
  runId: z.string(),
  runbook: Runbook,
  version: z.number().int(),
  hash: z.string(),
  mode: RunMode,
  parameters: z.record(z.string(), z.unknown()),
  requester: z.string(),
  trigger: RunTrigger,
  declaredAt: z.string().optional(),
});
export type RunInput = z.infer<typeof RunInput>;

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

export const RunPhase = z.enum(['running', 'paused', 'completed', 'failed', 'aborted']);
export type RunPhase = z.infer<typeof RunPhase>;

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

/** What the run-state query answers: each step's status and what the run waits for. */
export const RunState = z.object({
  runId: z.string(),
  runbookId: z.string(),
  version: z.number().int(),
  hash: z.string(),
  mode: RunMode,
  status: RunPhase,
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  steps: z.array(StepState),
  waitingFor: z.array(WaitingFor),
  recovery: RecoveryClock,
});
export type RunState = z.infer<typeof RunState>;
