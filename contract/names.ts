/**
 * Names shared by the workflow, the worker, the API, the schedules and the servers: the task queue, the
 * failure types runs throw and match, and the search-attribute keys. Loaded by the workflow bundle, so it
 * imports neither zod nor Node built-ins (test/contract/load.test.ts and eslint.config.mjs check).
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { Mode } from '../model/kit';

/** The task queue when TEMPORAL_TASK_QUEUE is not set (config/index.ts). */
export const DEFAULT_TASK_QUEUE = 'lifeboat';

/** Ids of the drill programme's Temporal objects (workflows/programme.ts): one check schedule and one workflow per notice, per task queue. */
export const PROGRAMME = {
  checkScheduleId: (taskQueue: string) => `lifeboat-drill-check-${taskQueue}`,
  noticeWorkflowId: (taskQueue: string, noticeId: string) => `lifeboat-drill-notice-${taskQueue}-${noticeId}`,
} as const;

/**
 * `ApplicationFailure` types. The workflow matches some of them (a timed-out step is told apart from a failed
 * one), the API maps the rejections to HTTP statuses, the timeline records the rest.
 */
export const FAILURE = {
  // The run itself.
  badRunInput: 'BadRunInput',
  runbookNotFound: 'RunbookNotFound',
  runbookUnreviewed: 'RunbookUnreviewed',
  badParameters: 'BadParameters',
  // Steps.
  stepTimedOut: 'StepTimedOut',
  approvalRejected: 'ApprovalRejected',
  manualFailed: 'ManualFailed',
  childRunFailed: 'ChildRunFailed',
  secretMissing: 'SecretMissing',
  /** A secret would go to a host that neither the runbook's text nor LIFEBOAT_SECRET_<NAME>_HOSTS names. */
  secretHostDenied: 'SecretHostDenied',
  /** The egress policy refuses the address a request would go to (LIFEBOAT_EGRESS_ALLOW/_DENY). */
  egressDenied: 'EgressDenied',
  httpError: 'HttpError',
  unexpectedStatus: 'UnexpectedStatus',
  badCommand: 'BadCommand',
  commandNotAllowed: 'CommandNotAllowed',
  commandFailed: 'CommandFailed',
  /** Anything else a step's activity threw: a bug or an unexpected error, still the step's own failure. */
  activityError: 'ActivityError',
  /** A step's outputs hold more than a step (STEP_OUTPUTS_BYTES) or a run (RUN_OUTPUTS_BYTES) may keep (runs/outputs.ts). */
  outputsTooLarge: 'OutputsTooLarge',
  /** A step's request after templates is larger than a step may send (STEP_REQUEST_BYTES, runs/outputs.ts). */
  requestTooLarge: 'RequestTooLarge',
  // Notifications.
  badNotification: 'BadNotification',
  emailRejected: 'EmailRejected',
  emailFailed: 'EmailFailed',
  webhookFailed: 'WebhookFailed',
  webhookRejected: 'WebhookRejected',
  /** A start input that is unsigned, forged, replayed or names a runbook the registry does not hold (docs/security.md). */
  badSignature: 'BadSignature',
} as const;
export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];

/** Failure types an update validator rejects with; the API maps them to HTTP 403, 409 and 422. */
export const REJECTION = { forbidden: 'Forbidden', conflict: 'Conflict', invalid: 'Invalid' } as const;
export type RejectionType = (typeof REJECTION)[keyof typeof REJECTION];

/**
 * The rules a rejection names (in its ApplicationFailure details, and as `rule` in the API's problem+json), so a caller
 * can tell "you may not do this to an approval" from "this request is not signed". docs/security.md tabulates them.
 */
export const RULE = {
  fourEyes: 'four-eyes',
  distinctApprovers: 'distinct-approvers',
  signedIdentity: 'signed-identity',
} as const;
export type Rule = (typeof RULE)[keyof typeof RULE];

/**
 * `patched()` ids of the workflow changes that issue new commands, so histories recorded before them still replay:
 * the start check (an activity first), the HMAC check of each update (a local activity), the continuation's
 * signature (a local activity before continue-as-new) and the override event of four eyes.
 */
export const PATCH = {
  signedStart: 'lifeboat-signed-start',
  signedUpdates: 'lifeboat-signed-updates',
  signedContinuation: 'lifeboat-signed-continuation',
  fourEyes: 'lifeboat-four-eyes',
  /** Timeline flushes and run records are local activities (docs/performance.md): runs started before it replay as activities. */
  localRecords: 'lifeboat-local-records',
  /** At most MAX_RUNNING_STEPS steps run at once (docs/performance.md): runs started before it start every ready step. */
  boundedSteps: 'lifeboat-bounded-steps',
  /**
   * A cancelled run (by its parent run, or `temporal workflow cancel`) still writes its final timeline events and
   * record: its timeline writer's loop is not cancellable. Runs started before it ended cancelled mid-flush.
   */
  flushWhenCancelled: 'lifeboat-flush-when-cancelled',
  /**
   * Step activities store the run's unwritten timeline events and first record beside their work; the notification
   * defaults are a local activity (docs/performance.md). Implies every patch above
   * (workflows/patches.ts): runs started with it record this one marker instead of theirs.
   */
  carriedRecords: 'lifeboat-carried-records',
  /**
   * At most MAX_RUNNING_STEPS_BUFFERED steps run at once, so the server never force-closes a workflow task for the
   * completions it buffers meanwhile (docs/performance.md). Implies every patch above (workflows/patches.ts).
   */
  bufferedSteps: 'lifeboat-buffered-steps',
  /**
   * A step's run is a short promise chain in one cancellation scope shared by the run's steps, the scheduler waits on
   * a promise the run's changes resolve instead of a `condition()`, and the steps a pass starts are dispatched after
   * all of their `step.started` events, so the first carries them all (docs/performance.md). Implies every patch above.
   */
  leanSteps: 'lifeboat-lean-steps',
  /**
   * What a run hands Temporal stays inside its limits (runs/outputs.ts): a step keeps only the outputs it names, at most
   * STEP_OUTPUTS_BYTES, and a run at most RUN_OUTPUTS_BYTES of them all; a step's request after templates is at most
   * STEP_REQUEST_BYTES, and the steps one workflow task starts hold at most TASK_REQUEST_BYTES together. A step past a
   * limit fails, non-retryably. Implies every patch above.
   */
  boundedPayloads: 'lifeboat-bounded-payloads',
} as const;
export type PatchId = (typeof PATCH)[keyof typeof PATCH];

/** How long a signed update or API start stays valid after the API signed it: enough for clock skew and a retry. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/**
 * Custom search attributes every run carries, so `temporal workflow list` can filter runs. All are keywords;
 * the embedded dev server is started with them (servers/temporal.ts); on any other Temporal every worker, and
 * `lifeboat setup`, registers the missing ones (temporal/search-attributes.ts). `status` holds a RunStatus, so it
 * includes `paused`.
 */
export const SEARCH_ATTRIBUTE = {
  runbookId: defineSearchAttributeKey('LifeboatRunbookId', SearchAttributeType.KEYWORD),
  mode: defineSearchAttributeKey('LifeboatMode', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('LifeboatStatus', SearchAttributeType.KEYWORD),
} as const;

/** The search attributes a run starts with, whoever starts it (API, schedule, parent run); the workflow updates `status`. */
export function runSearchAttributes(runbookId: string, mode: Mode): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTE.runbookId, value: runbookId },
    { key: SEARCH_ATTRIBUTE.mode, value: mode },
    { key: SEARCH_ATTRIBUTE.status, value: 'running' },
  ];
}
