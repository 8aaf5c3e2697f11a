import { TimelineEvent, StoredTimelineEvent, type TimelineDetail, type TimelineEventType } from '../../timeline/event';

const recovery = { startedAt: '2026-11-24T10:00:00.000Z', targetMs: 60_000, elapsedMs: 42_000, achievedMs: 40_000, breached: false };

/** A detail for every type of event, with its optional fields filled in; a type missing here does not compile. */
export const EXAMPLE_DETAILS: { [T in TimelineEventType]: TimelineDetail<T> } = {
  'run.started': {
    runbook: 'orders-db-failover',
    version: 3,
    hash: 'abc',
    mode: 'drill',
    trigger: { kind: 'cli', by: 'alice' },
    parameters: { region: 'eu', replicas: 2 },
    declaredAt: '2026-11-24T09:59:00.000Z',
  },
  'run.paused': { reason: 'waiting for the vendor' },
  'run.resumed': { reason: 'vendor answered' },
  'run.completed': { recovery },
  'run.failed': { error: 'step b failed: HTTP 500', recovery: { startedAt: '2026-11-24T10:00:00.000Z', elapsedMs: 42_000, breached: false } },
  'run.aborted': { error: 'false alarm', recovery },
  'run.continued': { continued: 2 },
  'step.started': { action: 'http', title: 'Promote the replica' },
  'step.succeeded': { durationMs: 1500, outputs: { primary: 'db-2', lag: { seconds: 0 } } },
  'step.failed': { error: 'HTTP 500', final: false },
  'step.retrying': { afterMs: 2000, error: 'HTTP 500' },
  'step.timed-out': { error: 'POST https://db.example/promote timed out after 1m', final: true },
  'step.redispatched': {
    redispatches: 1,
    reason: 'worker-lost',
    message: 'the worker running this attempt was lost (no heartbeat for 15 s); the same attempt was dispatched again under the same key',
    key: 'orders-db-failover-1/promote',
  },
  'step.skipped': { reason: 'when is false: params.region == "us"', when: 'params.region == "us"', error: 'unknown name', by: 'operator' },
  'step.simulated': { action: 'command' },
  'approval.requested': { approvers: ['dba', 'incident-commander'], quorum: 2, instructions: 'Check the lag first', timeoutMs: 900_000, allowSelfApproval: false },
  'approval.granted': { comment: 'lag is 0', granted: 1 },
  'approval.rejected': { comment: 'not yet', granted: 0 },
  'approval.escalated': { approvers: ['dba'], quorum: 1, granted: 0, waitingMs: 300_000, notify: ['oncall@example.com'] },
  'approval.overridden': { control: 'skip', reason: 'approved by phone', approvers: ['dba'], quorum: 1, granted: 0, rejectedBy: [] },
  'approval.expired': { onTimeout: 'continue', granted: 0, quorum: 1 },
  'manual.assigned': { instructions: 'Fail over the DNS record by hand', assignee: 'netops', timeoutMs: 600_000 },
  'manual.completed': { note: 'done in the console', evidence: ['https://example.com/ticket/1'] },
  'manual.failed': { note: 'console is down' },
  'decision.needed': { error: 'HTTP 500', options: ['retry', 'skip', 'abort'] },
  'decision.made': { decision: 'retry', reason: 'the API is back', fresh: true },
  'rollback.started': { reason: 'drill cleanup', steps: ['b', 'a'] },
  'rollback.step-undone': { action: 'http' },
  'rollback.step-failed': { action: 'command', error: 'exit code 1' },
  'rollback.completed': { reason: 'drill cleanup', undone: 1, failed: 1 },
  'notification.sent': { event: 'run.started', channel: 'email', target: 'dr-team@example.com', duplicate: false },
  'notification.failed': { event: 'step.failed', channel: 'webhook', target: 'https://hooks.example.com/x', error: 'connection refused' },
  'recovery.achieved': { achievedMs: 40_000, targetMs: 60_000, breached: false },
};

const STEP_EVENTS = /^(step|approval|manual|decision|rollback\.step)/;

/** An event of `type` with its example detail (or `detail`), parsed so it is typed as that event. */
export function exampleEvent(type: TimelineEventType, seq: number, over: { at?: string; stepId?: string; attempt?: number; actor?: string; detail?: unknown } = {}): TimelineEvent {
  const stepId = STEP_EVENTS.test(type) ? 'b' : undefined;
  return TimelineEvent.parse({ seq, at: '2026-11-24T10:00:00.000Z', type, actor: 'lifeboat', stepId, detail: EXAMPLE_DETAILS[type], ...over });
}

/** `exampleEvent` as stored, with a chain that is not checked. */
export function exampleStored(type: TimelineEventType, seq: number, over: Parameters<typeof exampleEvent>[2] = {}): StoredTimelineEvent {
  return StoredTimelineEvent.parse({ ...exampleEvent(type, seq, over), runId: 'r', prevHash: '', hash: '' });
}
