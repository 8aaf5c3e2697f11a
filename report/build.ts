// Pure: the report is a function of the run's record, live state (if the workflow still has it), pinned runbook,
// timeline, chain verification and the records of earlier drills. No I/O, so it is tested without servers.
import { durationMs } from '../model/duration';
import { planRunbook, type PlannedStep } from '../model/plan';
import type { Runbook } from '../model/runbook';
import type { RunRecord, RunState, StepState } from '../contract/run';
import type { ChainVerification, StoredTimelineEvent } from '../timeline/event';
import type { SignOffDoc } from '../store/signoffs';
import { judgeCriteria, measureRpo, type Observations } from './criteria';
import { drillDueAt } from './programme';
import type { Finding } from './finding';
import { reviewOf } from './signoff';
import type { ReportFailure, ReportNotification, ReportParticipant, ReportSignOff, ReportStep, RunReport } from './types';

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
  /** This run's findings. */
  findings?: Finding[];
  /** Findings still open on earlier runs of the runbook. */
  openActions?: Finding[];
  signOff?: SignOffDoc;
}

/** The report of one run. */
export function buildReport(input: ReportInput): RunReport {
  const { record, state, runbook, events } = input;
  const steps = reportSteps(input);
  const targetMs = record.recovery?.targetMs ?? state?.recovery.targetMs ?? (runbook?.objectives?.rto ? durationMs(runbook.objectives.rto) : undefined);
  const achievedMs = record.recovery?.achievedMs ?? state?.recovery.achievedMs;
  const seen = observations(input, steps);
  const report: RunReport = {
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
    trend: input.trend.map((r) => ({
      runId: r.runId,
      startedAt: r.startedAt,
      status: r.status,
      achievedMs: r.recovery?.achievedMs,
      targetMs: r.recovery?.targetMs,
      breached: r.recovery?.breached,
    })),
    scenario: runbook?.scenario,
    criteria: judgeCriteria(runbook?.successCriteria ?? [], seen),
    rpo: measureRpo({
      targetMs: runbook?.objectives?.rpo ? durationMs(runbook.objectives.rpo) : undefined,
      from: runbook?.objectives?.rpoFrom,
      seen,
      disasterAt: record.declaredAt ?? record.startedAt,
    }),
    participants: participants(record, events),
    findings: input.findings ?? [],
    openActions: input.openActions ?? [],
    programme: programme(input),
    generatedAt: input.now,
  };
  return input.signOff ? { ...report, reviewerSignOff: reviewOf(report, input.signOff) } : report;
}

/** What criteria and the RPO read: each step's final status, and the outputs its last success recorded. */
function observations({ record, events }: ReportInput, steps: ReportStep[]): Observations {
  const outputs = new Map<string, Record<string, unknown>>();
  for (const e of events) if (e.type === 'step.succeeded' && e.stepId) outputs.set(e.stepId, e.detail.outputs);
  return {
    ended: record.status !== 'running',
    steps: Object.fromEntries(steps.map((s) => [s.id, { status: s.status, outputs: outputs.get(s.id) }])),
    params: record.parameters,
    run: { id: record.runId, mode: record.mode, requester: record.requester },
  };
}

/** Everyone who acted in the run: its requester, then each person (not the engine) the timeline names. */
function participants(record: RunRecord, events: StoredTimelineEvent[]): ReportParticipant[] {
  const did = new Map<string, string[]>([[record.requester, ['started the run']]]);
  for (const e of events) {
    if (!e.actor || e.actor === 'lifeboat' || e.type === 'run.started') continue;
    did.set(e.actor, [...(did.get(e.actor) ?? []), e.stepId ? `${e.type} (${e.stepId})` : e.type]);
  }
  return [...did].map(([who, acts]) => ({ who, did: acts }));
}

function programme({ record, runbook, trend }: ReportInput): RunReport['programme'] {
  const every = runbook?.drill?.every;
  const previous = trend.find((r) => r.runId !== record.runId && r.startedAt < record.startedAt);
  const nextDueAt = every && record.mode === 'drill' ? drillDueAt(record.startedAt, every) : undefined;
  return { every, previous: previous && { runId: previous.runId, startedAt: previous.startedAt, status: previous.status }, nextDueAt };
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

function observeSteps(events: StoredTimelineEvent[]): Map<string, Observed> {
  const seen = new Map<string, Observed>();
  const observe = (stepId: string | undefined, status: ReportStep['status']): Observed | undefined => {
    if (!stepId) return undefined;
    const o = seen.get(stepId) ?? { status, attempts: 0 };
    seen.set(stepId, o);
    o.status = status;
    return o;
  };
  for (const e of events) {
    switch (e.type) {
      case 'step.started': {
        const o = observe(e.stepId, 'running');
        if (!o) break;
        o.firstAt ??= e.at;
        o.attempts = Math.max(o.attempts, e.attempt ?? o.attempts + 1);
        o.title ??= e.detail.title;
        o.action ??= e.detail.action;
        break;
      }
      case 'step.succeeded':
        ended(observe(e.stepId, 'succeeded'), e.at);
        break;
      case 'step.failed':
      case 'step.timed-out':
        ended(observe(e.stepId, 'failed'), e.at, { error: e.detail.error });
        break;
      case 'step.skipped':
        ended(observe(e.stepId, 'skipped'), e.at, { reason: e.detail.reason });
        break;
      case 'step.simulated':
        ended(observe(e.stepId, 'simulated'), e.at, { reason: 'drill: simulate' });
        break;
    }
  }
  return seen;
}

function ended(o: Observed | undefined, at: string, facts: Pick<Observed, 'error' | 'reason'> = {}): void {
  if (!o) return;
  o.endAt = at;
  Object.assign(o, facts);
}

function reportSteps({ record, state, runbook, events }: ReportInput): ReportStep[] {
  const planned = new Map<string, PlannedStep>((runbook ? planRunbook(runbook, { mode: record.mode }).steps : []).map((p) => [p.id, p]));
  const live = new Map<string, StepState>((state?.steps ?? []).map((s) => [s.id, s]));
  const seen = observeSteps(events);
  const ids = runbook ? runbook.steps.map((s) => s.id) : state ? state.steps.map((s) => s.id) : [...seen.keys()];
  const declared = new Map((runbook?.steps ?? []).map((s) => [s.id, s])); // a runbook may have thousands of steps
  return ids.map((id) => {
    const step = declared.get(id);
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

function signOff(e: StoredTimelineEvent): ReportSignOff[] {
  const by = { stepId: e.stepId, actor: e.actor, at: e.at };
  switch (e.type) {
    case 'approval.granted':
    case 'approval.rejected':
      return [{ kind: 'approval', ...by, outcome: e.type === 'approval.granted' ? 'granted' : 'rejected', comment: e.detail.comment }];
    case 'manual.completed':
    case 'manual.failed':
      return [{ kind: 'manual', ...by, outcome: e.type === 'manual.completed' ? 'done' : 'failed', comment: e.detail.note, evidence: e.detail.evidence }];
    case 'decision.made':
      return [{ kind: 'decision', ...by, outcome: e.detail.decision, comment: e.detail.reason }];
    default:
      return [];
  }
}

function notification(e: StoredTimelineEvent): ReportNotification[] {
  if (e.type !== 'notification.sent' && e.type !== 'notification.failed') return [];
  const { event, channel, target, tries } = e.detail;
  if (e.type === 'notification.failed')
    return [{ at: e.at, stepId: e.stepId, event, channel, target, sent: false, tries, delivery: deliveryStatus(false, tries), error: e.detail.error }];
  return [{ at: e.at, stepId: e.stepId, event, channel, target, sent: true, tries, delivery: deliveryStatus(true, tries, e.detail.duplicate) }];
}

/** A delivery's status in words: "sent", "sent (already delivered)", "failed after 3 tries". */
export function deliveryStatus(sent: boolean, tries: number | undefined, duplicate?: boolean): string {
  if (sent) return duplicate ? 'sent (already delivered)' : 'sent';
  return `failed${tries === undefined ? '' : ` after ${tries} ${tries === 1 ? 'try' : 'tries'}`}`;
}

function failure(e: StoredTimelineEvent, runError: string | undefined): ReportFailure[] {
  switch (e.type) {
    case 'step.failed':
    case 'step.timed-out':
    case 'rollback.step-failed':
      return [{ at: e.at, type: e.type, stepId: e.stepId, attempt: e.attempt, error: e.detail.error }];
    case 'run.failed':
    case 'run.aborted':
      return [{ at: e.at, type: e.type, stepId: e.stepId, attempt: e.attempt, error: e.detail.error ?? runError ?? e.type }];
    // Not a failure of the step (it did not consume a retry), but a deviation an auditor should see: the worker running
    // the attempt was lost and the same attempt was dispatched again under the same idempotency key.
    case 'step.redispatched':
      return [{ at: e.at, type: e.type, stepId: e.stepId, attempt: e.attempt, error: `${e.detail.message} (re-dispatched ${e.detail.redispatches}×, key ${e.detail.key})` }];
    // Not a failure either: an approver got the run past an approval without its quorum (four eyes, docs/security.md).
    case 'approval.overridden': {
      const d = e.detail;
      const rejected = d.rejectedBy.length ? `, over the rejection of ${d.rejectedBy.join(', ')}` : '';
      return [
        {
          at: e.at,
          type: e.type,
          stepId: e.stepId,
          attempt: e.attempt,
          error: `approval overridden by ${e.actor} (${d.control}${rejected}; ${d.granted} of ${d.quorum} approvals): ${d.reason}`,
        },
      ];
    }
    default:
      return [];
  }
}
