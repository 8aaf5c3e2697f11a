import { z } from 'zod';
import { RecoveryClock } from '../contract/step';
import { Mode } from '../model/kit';

// Each type of event declares the shape of its `detail`, as the workflow writes it today.
//
// Lenient on read, strict on write. Stored events are hash-chained over their canonical JSON (timeline/chain.ts),
// and the hash is recomputed from what a read returns, so parsing must hand back exactly what was stored: every
// detail (and every object inside one) is a loose object, whose unknown keys are kept rather than stripped; no
// field has a default or a transform. A key added by a later version of the workflow therefore neither fails a
// read nor breaks `verify`, while a missing or mistyped declared field does fail the read, naming the event.
// Strictness lives at compile time instead: TimelineWriter.emit takes `TimelineDetail<T>`, exactly the declared
// keys, so a misspelt, missing or wrongly typed field in the workflow does not compile.

const loose = z.looseObject;
/** The run's recovery clock when it ended: the contract's RecoveryClock, lenient on read like every detail. */
const Recovery = RecoveryClock.loose();
const RunEnd = { error: z.string().optional(), recovery: Recovery };
const StepFailure = { error: z.string(), final: z.boolean() };
const ApprovalAnswer = { comment: z.string().optional(), granted: z.number() };
const ManualAnswer = { note: z.string().optional(), evidence: z.array(z.string()).optional() };
// `event` is the MessageKind (notify/types.ts) delivered; a plain string so the timeline does not depend on notify/.
const Notification = { event: z.string(), channel: z.string(), target: z.string() };

/** The events of a timeline, each with the fields in `fields` (its place in the run, and for stored ones its chain). */
function timelineEvents<F extends z.ZodRawShape>(fields: F) {
  const event = <T extends string, D extends z.ZodRawShape>(type: T, detail: D) => z.object({ ...fields, type: z.literal(type), detail: loose(detail) });
  return z.discriminatedUnion('type', [
    event('run.started', {
      runbook: z.string(),
      version: z.number(),
      hash: z.string(),
      mode: Mode,
      trigger: loose({ kind: z.string(), by: z.string() }),
      parameters: z.record(z.string(), z.unknown()),
      declaredAt: z.string().optional(),
    }),
    event('run.paused', { reason: z.string().optional() }),
    event('run.resumed', { reason: z.string().optional() }),
    event('run.completed', RunEnd),
    event('run.failed', RunEnd),
    event('run.aborted', RunEnd),
    /** The run went on in a new workflow execution (continue-as-new); `continued` counts them. */
    event('run.continued', { continued: z.number() }),
    event('step.started', { action: z.string(), title: z.string().optional() }),
    event('step.succeeded', { durationMs: z.number(), outputs: z.record(z.string(), z.unknown()) }),
    event('step.failed', StepFailure),
    event('step.retrying', { afterMs: z.number(), error: z.string() }),
    event('step.timed-out', StepFailure),
    /** The worker running an attempt was lost and the same attempt was dispatched again, under the same `key`. */
    event('step.redispatched', { redispatches: z.number(), reason: z.string(), message: z.string(), key: z.string() }),
    /** `when` and `error` for a step skipped by its condition, `by: 'operator'` for an operator's skip of a pending step. */
    event('step.skipped', { reason: z.string(), when: z.string().optional(), error: z.string().optional(), by: z.string().optional() }),
    event('step.simulated', { action: z.string() }),
    event('approval.requested', {
      approvers: z.array(z.string()),
      quorum: z.number(),
      instructions: z.string().optional(),
      timeoutMs: z.number().optional(),
      allowSelfApproval: z.boolean().optional(),
    }),
    event('approval.granted', ApprovalAnswer),
    event('approval.rejected', ApprovalAnswer),
    event('approval.escalated', {
      approvers: z.array(z.string()),
      quorum: z.number(),
      granted: z.number(),
      waitingMs: z.number(),
      notify: z.array(z.string()).optional(),
    }),
    /** An operator got the run past an approval without its quorum (docs/security.md, four eyes): a deviation. */
    event('approval.overridden', {
      control: z.string(),
      reason: z.string(),
      approvers: z.array(z.string()),
      quorum: z.number(),
      granted: z.number(),
      rejectedBy: z.array(z.string()),
    }),
    event('approval.expired', { onTimeout: z.string(), granted: z.number(), quorum: z.number() }),
    event('manual.assigned', { instructions: z.string().optional(), assignee: z.string().optional(), timeoutMs: z.number().optional() }),
    event('manual.completed', ManualAnswer),
    event('manual.failed', ManualAnswer),
    event('decision.needed', { error: z.string(), options: z.array(z.string()) }),
    event('decision.made', { decision: z.string(), reason: z.string().optional(), fresh: z.boolean().optional() }),
    event('rollback.started', { reason: z.string(), steps: z.array(z.string()) }),
    event('rollback.step-undone', { action: z.string() }),
    event('rollback.step-failed', { action: z.string(), error: z.string() }),
    event('rollback.completed', { reason: z.string(), undone: z.number(), failed: z.number() }),
    event('notification.sent', { ...Notification, duplicate: z.boolean() }),
    event('notification.failed', { ...Notification, error: z.string() }),
    event('recovery.achieved', { achievedMs: z.number(), targetMs: z.number().optional(), breached: z.boolean() }),
  ]);
}

const EventFields = {
  seq: z.number().int().min(1),
  at: z.string(), // ISO-8601, the workflow's deterministic clock
  actor: z.string(), // 'lifeboat' for the engine itself, otherwise the person or schedule
  stepId: z.string().optional(),
  attempt: z.number().int().min(1).optional(),
};

/** An event as the workflow emits it: the sequence number and time come from workflow history, so replays agree. */
export const TimelineEvent = timelineEvents(EventFields);
export type TimelineEvent = z.infer<typeof TimelineEvent>;

/** Every kind of event a run's timeline records, in the order declared above. */
export const TimelineEventType = z.enum(TimelineEvent.options.map((o) => o.shape.type.value));
export type TimelineEventType = z.infer<typeof TimelineEventType>;

/** An event as stored: chained to the one before by hash, so an edit, deletion or reordering shows. */
export const StoredTimelineEvent = timelineEvents({
  ...EventFields,
  runId: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
export type StoredTimelineEvent = z.infer<typeof StoredTimelineEvent>;

/** Drops index signatures, keeping only the declared keys. */
type Declared<D> = { [K in keyof D as string extends K ? never : K]: D[K] };

/** The detail of one type of event, with exactly the keys the workflow may write (reads accept more). */
export type TimelineDetail<T extends TimelineEventType> = Declared<Extract<TimelineEvent, { type: T }>['detail']>;

/** One type of event (or several), as the workflow emits it. */
export type TimelineEventOf<T extends TimelineEventType> = Extract<TimelineEvent, { type: T }>;

/** What verifying a run's chain found: ok, or the first event that does not check out and why. */
export const ChainVerification = z.object({
  ok: z.boolean(),
  events: z.number().int(),
  headHash: z.string().optional(),
  firstBad: z.object({ seq: z.number().int(), problem: z.enum(['edited', 'missing', 'reordered', 'malformed']), message: z.string() }).optional(),
});
export type ChainVerification = z.infer<typeof ChainVerification>;

/** What an emit of a `T` event says besides its type; the detail has exactly the keys declared for `T`. */
export type EventFields<T extends TimelineEventType> = { actor?: string; stepId?: string; attempt?: number; detail: TimelineDetail<T> };
