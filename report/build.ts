// Pure: the report is a function of the run's record, live state (if the workflow still has it), pinned runbook,
// timeline, chain verification and the records of earlier drills. No I/O, so it is tested without servers.
import { durationMs } from '../model/duration';
import { planRunbook, type PlannedStep } from '../model/plan';
import type { Runbook } from '../model/runbook';
import type { RunRecord, RunState, StepState } from '../contract/run';
import type { ChainVerification, StoredTimelineEvent } from '../timeline/event';
import type { ReportFailure, ReportNotification, ReportSignOff, ReportStep, RunReport } from './types';

/** Parameter names whose values a report never shows. */
export const SECRET_NAME = /secret|password|passwd|token|key|credential/i;

export interface ReportInput {
  record: RunRecord;
  state?: RunState;
  runbook?: Runbook;
  events: StoredTimelineEvent[];
  verification: ChainVerification;
  /** Drills of the same runbook, newest first. */
  trend: RunRecord[];
  now: string;
}

/** The report of one run. */
export function buildReport(input: ReportInput): RunReport {
  const { record, state, runbook, events } = input;
  const steps = reportSteps(input);
  const targetMs = record.recovery?.targetMs ?? state?.recovery.targetMs ?? (runbook?.objectives?.rto ? durationMs(runbook.objectives.rto) : undefined);
  const achievedMs = record.recovery?.achievedMs ?? state?.recovery.achievedMs;
  return {
    runId: record.runId,
    title: record.title ?? runbook?.title,
    runbook: { id: record.runbookId, version: record.version, hash: record.hash },
    mode: record.mode,
    status: record.status,
    requester: record.requester,
    trigger: record.trigger,
    startedAt: record.startedAt,
    declaredAt: record.declaredAt,
    finishedAt: record.finishedAt,
    error: record.error,
    parameters: Object.entries(record.parameters).map(([name, value]) => (SECRET_NAME.test(name) ? { name, redacted: true } : { name, value, redacted: false })),
    recovery: {
      targetMs,
      achievedMs,
      breached: record.recovery?.breached ?? state?.recovery.breached ?? (targetMs !== undefined && achievedMs !== undefined && achievedMs > targetMs),
    },
    steps,
    skipped: steps.flatMap((s) => (s.status === 'skipped' || s.status === 'simulated' ? [{ stepId: s.id, status: s.status, reason: s.reason ?? s.status }] : [])),
    signOffs: events.flatMap(signOff),
    notifications: events.flatMap(notification),
    failures: events.flatMap((e) => failure(e, record.error)),
    verification: input.verification,
    trend: input.trend.map((r) => ({ runId: r.runId, startedAt: r.startedAt, status: r.status, achievedMs: r.recovery?.achievedMs, targetMs: r.recovery?.targetMs, breached: r.recovery?.breached })),
    generatedAt: input.now,
  };
}

/** What the timeline says about one step. */
interface Observed {
  title?: string;
  action?: string;
  status: ReportStep['status'];
  attempts: number;
  firstAt?: string;
  endAt?: string;
  error?: string;
  reason?: string;
}

const OUTCOME: Partial<Record<StoredTimelineEvent['type'], ReportStep['status']>> = {
  'step.started': 'running', 'step.succeeded': 'succeeded', 'step.failed': 'failed', 'step.timed-out': 'failed',
  'step.skipped': 'skipped', 'step.simulated': 'simulated',
};

function observeSteps(events: StoredTimelineEvent[]): Map<string, Observed> {
  const seen = new Map<string, Observed>();
  for (const e of events) {
    const status = OUTCOME[e.type];
    if (!e.stepId || !status) continue;
    const o = seen.get(e.stepId) ?? { status, attempts: 0 };
    seen.set(e.stepId, o);
    o.status = status;
    if (e.type === 'step.started') {
      o.firstAt ??= e.at;
      o.attempts = Math.max(o.attempts, e.attempt ?? o.attempts + 1);
      o.title ??= text(e.detail, 'title');
      o.action ??= text(e.detail, 'action');
      continue;
    }
    o.endAt = e.at;
    if (status === 'failed') o.error = text(e.detail, 'error');
    if (status === 'skipped') o.reason = text(e.detail, 'reason');
    if (status === 'simulated') o.reason = 'drill: simulate';
  }
  return seen;
}

function reportSteps({ record, state, runbook, events }: ReportInput): ReportStep[] {
  const planned = new Map<string, PlannedStep>((runbook ? planRunbook(runbook, { mode: record.mode }).steps : []).map((p) => [p.id, p]));
  const live = new Map<string, StepState>((state?.steps ?? []).map((s) => [s.id, s]));
  const seen = observeSteps(events);
  const ids = runbook ? runbook.steps.map((s) => s.id) : state ? state.steps.map((s) => s.id) : [...seen.keys()];
  return ids.map((id) => {
    const step = runbook?.steps.find((s) => s.id === id);
    const s = live.get(id);
    const o = seen.get(id);
    const p = planned.get(id);
    const actualMs = o?.firstAt && o.endAt ? Date.parse(o.endAt) - Date.parse(o.firstAt) : undefined;
    const row: ReportStep = {
      id,
      title: step?.title ?? s?.title ?? o?.title,
      action: step?.action ?? s?.action ?? o?.action ?? 'unknown',
      // The workflow's own state is authoritative while it exists; the timeline outlives it.
      status: s?.status ?? o?.status ?? 'not-run',
      expectedMs: p?.expectedMs,
      expectedBasis: p?.basis,
      actualMs,
      attempts: Math.max(s?.attempts ?? 0, o?.attempts ?? 0),
      error: s?.error ?? o?.error,
      reason: s?.reason ?? o?.reason,
    };
    return row;
  });
}

const SIGN_OFF: Partial<Record<StoredTimelineEvent['type'], { kind: ReportSignOff['kind']; outcome?: string; comment: string }>> = {
  'approval.granted': { kind: 'approval', outcome: 'granted', comment: 'comment' },
  'approval.rejected': { kind: 'approval', outcome: 'rejected', comment: 'comment' },
  'manual.completed': { kind: 'manual', outcome: 'done', comment: 'note' },
  'manual.failed': { kind: 'manual', outcome: 'failed', comment: 'note' },
  'decision.made': { kind: 'decision', comment: 'reason' },
};

function signOff(e: StoredTimelineEvent): ReportSignOff[] {
  const how = SIGN_OFF[e.type];
  if (!how) return [];
  const evidence = e.detail?.evidence;
  return [{
    kind: how.kind,
    stepId: e.stepId,
    actor: e.actor,
    at: e.at,
    outcome: how.outcome ?? text(e.detail, 'decision') ?? 'decided',
    comment: text(e.detail, how.comment),
    evidence: Array.isArray(evidence) ? evidence.filter((x): x is string => typeof x === 'string') : undefined,
  }];
}

function notification(e: StoredTimelineEvent): ReportNotification[] {
  if (e.type !== 'notification.sent' && e.type !== 'notification.failed') return [];
  return [{
    at: e.at, stepId: e.stepId, event: text(e.detail, 'event'), channel: text(e.detail, 'channel'), target: text(e.detail, 'target'),
    sent: e.type === 'notification.sent', error: text(e.detail, 'error'),
  }];
}

const FAILURES = new Set<StoredTimelineEvent['type']>(['step.failed', 'step.timed-out', 'rollback.step-failed', 'run.failed', 'run.aborted']);

function failure(e: StoredTimelineEvent, runError: string | undefined): ReportFailure[] {
  if (!FAILURES.has(e.type)) return [];
  const error = text(e.detail, 'error') ?? (e.type.startsWith('run.') ? runError : undefined) ?? e.type;
  return [{ at: e.at, type: e.type, stepId: e.stepId, attempt: e.attempt, error }];
}

function text(detail: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = detail?.[key];
  return typeof v === 'string' ? v : undefined;
}
