// The run's contract: what the workflow is started with, what it answers, what operators send it and what it
// records. Zod schemas (the schema is the type); the workflow bundle imports these with `import type` only.
import { z } from 'zod';
import { Mode, Runbook } from '../model/runbook';
import { RecoveryClock, StepState, StepStatus, WaitingFor } from './step';

export { RecoveryClock, StepState, StepStatus, WaitingFor };

/**
 * What the API vouches for, signed with LIFEBOAT_SIGNING_KEY (runs/signing.ts): when it signed, a one-time nonce, and
 * the HMAC-SHA256 over both and the signed payload. The workflow cannot hold the key (it would be in history): its
 * validators check that a proof is there, fresh and unused; the worker checks the HMAC (docs/security.md).
 */
export const Proof = z.object({ issuedAt: z.string(), nonce: z.string().min(16).max(64), mac: z.string().min(1).max(128) });
export type Proof = z.infer<typeof Proof>;

/** Who or what started a run. */
export const RunTrigger = z.object({ kind: z.enum(['api', 'schedule', 'cli', 'parent']), by: z.string() });
export type RunTrigger = z.infer<typeof RunTrigger>;

/** A runbook named by id (and optionally version), resolved from the registry when the run starts. */
export const RunbookRef = z.object({ id: z.string(), version: z.number().int().positive().optional() });
export type RunbookRef = z.infer<typeof RunbookRef>;

/**
 * The workflow's input. The API pins the exact runbook version (definition, version, hash); schedules and
 * sub-runbooks name it by `ref` and the run resolves it at start. `runId` defaults to the workflow id. Plain JSON.
 */
export const RunInput = z.object({
  runId: z.string().optional(),
  runbook: Runbook.optional(),
  version: z.number().int().optional(),
  hash: z.string().optional(),
  ref: RunbookRef.optional(),
  mode: Mode,
  parameters: z.record(z.string(), z.unknown()),
  requester: z.string(),
  trigger: RunTrigger,
  declaredAt: z.string().optional(),
  /**
   * Engine limits (tests lower them): how many history events a workflow run may grow to before it continues as new,
   * and how many steps a result holds before it leaves them out (default 1,000).
   */
  limits: z.object({ historyEvents: z.number().int().min(100), resultSteps: z.number().int().min(1).optional() }).optional(),
  /** Set by continue-as-new: where the previous run of this workflow left off. */
  resume: z.lazy(() => ResumeState).optional(),
  /** The API's (or the worker's, for a continuation) signature over everything above (runs/signing.ts). */
  proof: Proof.optional(),
});
export type RunInput = z.infer<typeof RunInput>;

/** A run whose runbook version is resolved: what the engine executes. */
export const PinnedRun = RunInput.extend({ runId: z.string(), runbook: Runbook, version: z.number().int(), hash: z.string() });
export type PinnedRun = z.infer<typeof PinnedRun>;

/** A run's status as the workflow answers it (run-state query, the LifeboatStatus search attribute). */
export const RunStatus = z.enum(['running', 'paused', 'completed', 'failed', 'aborted']);
export type RunStatus = z.infer<typeof RunStatus>;

/**
 * A run's status as its record stores it: a paused run is still `running` there, because pausing and resuming
 * are timeline events and do not rewrite the record. Listings and statistics filter by this one.
 */
export const RecordStatus = RunStatus.exclude(['paused']);
export type RecordStatus = z.infer<typeof RecordStatus>;

/** A run's timeline head (last seq and hash), as a statement the worker signed with its evidence key (Ed25519). */
export const SignedHead = z.object({
  runId: z.string(),
  seq: z.number().int().min(1),
  hash: z.string(),
  signedAt: z.string(),
  /** The first 16 hex digits of the SHA-256 of the public key (SPKI DER); absent when the worker had no key. */
  keyId: z.string().optional(),
  /** Base64 Ed25519 signature over the canonical JSON of the fields above (`{hash, keyId, runId, seq, signedAt}`). */
  signature: z.string().optional(),
});
export type SignedHead = z.infer<typeof SignedHead>;

/** What the run-state query answers: each step's status and what the run waits for. */
export const RunState = z.object({
  runId: z.string(),
  runbookId: z.string(),
  version: z.number().int(),
  hash: z.string(),
  mode: Mode,
  status: RunStatus,
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  steps: z.array(StepState),
  waitingFor: z.array(WaitingFor),
  recovery: RecoveryClock,
  /** In the workflow's result only: the last timeline head the worker signed, kept in Temporal (docs/evidence.md). */
  anchor: SignedHead.optional(),
  /**
   * In the workflow's result only: a run of more than 1,000 steps leaves `steps` (and `waitingFor`) out of its result
   * and says how many there were; `GET /runs/:id` answers them (docs/performance.md).
   */
  stepsLeftOut: z.number().int().optional(),
});
export type RunState = z.infer<typeof RunState>;

/** What a run carries across continue-as-new: every step's state and the counters the timeline depends on. */
export const ResumeState = z.object({
  steps: z.array(StepState.extend({ doneOrder: z.number().int().optional() })),
  timelineSeq: z.number().int(),
  startedAt: z.string(),
  clockStart: z.number(),
  achievedMs: z.number().optional(),
  paused: z.boolean(),
  pausedSince: z.string().optional(),
  completions: z.number().int(),
  notifications: z.number().int(),
  continued: z.number().int(),
  /** Nonces of signed updates already applied, with when they were issued (ms): a replay of one is refused. */
  nonces: z.record(z.string(), z.number()).optional(),
});
export type ResumeState = z.infer<typeof ResumeState>;

/** The durable summary of a run, kept beside its timeline; the live state comes from the workflow. */
export const RunRecord = z.object({
  runId: z.string(),
  runbookId: z.string(),
  version: z.number().int(),
  hash: z.string(),
  title: z.string().optional(),
  mode: Mode,
  status: RecordStatus,
  requester: z.string(),
  trigger: RunTrigger,
  parameters: z.record(z.string(), z.unknown()),
  startedAt: z.string(),
  declaredAt: z.string().optional(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  recovery: z.object({ targetMs: z.number().optional(), achievedMs: z.number().optional(), breached: z.boolean().optional(), endsAt: z.string().optional() }).optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** Who is acting: the token's subject and roles, passed by the API into every operator message. */
export const Actor = z.object({ actor: z.string().min(1), roles: z.array(z.string()), proof: Proof.optional() });
export type Actor = z.infer<typeof Actor>;

export const ApprovalDecision = Actor.extend({
  stepId: z.string(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const ManualOutcome = Actor.extend({
  stepId: z.string(),
  outcome: z.enum(['done', 'failed']),
  note: z.string().max(4000).optional(),
  evidence: z.array(z.url()).max(20).optional(),
});
export type ManualOutcome = z.infer<typeof ManualOutcome>;

export const StepControl = Actor.extend({ stepId: z.string(), reason: z.string().max(2000).optional() });
export type StepControl = z.infer<typeof StepControl>;

/** With a retry: run the step as a new execution, under a new idempotency key, instead of repeating the same one. */
const Fresh = z.boolean().optional();

/** Retry a failed step. */
export const StepRetry = StepControl.extend({ fresh: Fresh });
export type StepRetry = z.infer<typeof StepRetry>;

export const StepDecision = Actor.extend({ stepId: z.string(), decision: z.enum(['retry', 'skip', 'abort']), reason: z.string().max(2000).optional(), fresh: Fresh });
export type StepDecision = z.infer<typeof StepDecision>;

export const RunControl = Actor.extend({ reason: z.string().max(2000).optional() });
export type RunControl = z.infer<typeof RunControl>;

export const AbortRequest = Actor.extend({ reason: z.string().min(1).max(2000), rollback: z.boolean().default(false) });
export type AbortRequest = z.infer<typeof AbortRequest>;

/** What an accepted operator message answers: the run's state right after it took effect. */
export const ControlResult = z.object({ accepted: z.literal(true), state: RunState });
export type ControlResult = z.infer<typeof ControlResult>;
