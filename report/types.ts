import { z } from 'zod';
import { RecordStatus, RunTrigger, StepStatus } from '../contract/run';
import { Mode } from '../model/runbook';
import { ChainVerification } from '../timeline/event';
import { ReportCriterion, ReportRpo } from './criteria';
import { Finding } from './finding';

/** A run parameter as the report shows it: secret-looking names never show their value. */
export const ReportParameter = z.object({ name: z.string(), value: z.unknown().optional(), redacted: z.boolean() });

/** One step: what the plan expected against what happened. */
export const ReportStep = z.object({
  id: z.string(),
  title: z.string().optional(),
  action: z.string(),
  status: z.union([StepStatus, z.literal('not-run')]),
  expectedMs: z.number().optional().meta({ description: "The planner's expectation in the run's mode." }),
  expectedBasis: z.enum(['expected', 'timeout', 'default']).optional(),
  actualMs: z.number().optional().meta({ description: 'From the first start to the last outcome, retries included.' }),
  attempts: z.int(),
  error: z.string().optional(),
  reason: z.string().optional(),
});
export type ReportStep = z.infer<typeof ReportStep>;

/** A person's decision: an approval, a manual task's sign-off, or an operator's decision on a failed step. */
export const ReportSignOff = z.object({
  kind: z.enum(['approval', 'manual', 'decision']),
  stepId: z.string().optional(),
  actor: z.string(),
  at: z.string(),
  outcome: z.string().meta({ description: 'granted, rejected, done, failed, retry, skip or abort' }),
  comment: z.string().optional(),
  evidence: z.array(z.string()).optional(),
});
export type ReportSignOff = z.infer<typeof ReportSignOff>;

/** One delivery of a message (run notifications, escalations, notify steps, PagerDuty), sent or failed. */
export const ReportNotification = z.object({
  at: z.string(),
  stepId: z.string().optional(),
  event: z.string().optional(),
  channel: z.string().optional(),
  target: z.string().optional(),
  sent: z.boolean(),
  tries: z.int().optional().meta({ description: 'How many times delivery was tried (absent for runs recorded before it was counted).' }),
  delivery: z.string().meta({ description: 'The delivery status in words: "sent", "sent (already delivered)", "failed after 3 tries".' }),
  error: z.string().optional(),
});
export type ReportNotification = z.infer<typeof ReportNotification>;

export const ReportFailure = z.object({ at: z.string(), type: z.string(), stepId: z.string().optional(), attempt: z.int().optional(), error: z.string() });
export type ReportFailure = z.infer<typeof ReportFailure>;

/** A past drill of the same runbook, for the recovery-time trend. */
export const ReportTrendPoint = z.object({
  runId: z.string(),
  startedAt: z.string(),
  status: RecordStatus,
  achievedMs: z.number().optional(),
  targetMs: z.number().optional(),
  breached: z.boolean().optional(),
});
export type ReportTrendPoint = z.infer<typeof ReportTrendPoint>;

/** Someone who acted in the run, and what they did. */
export const ReportParticipant = z.object({ who: z.string(), did: z.array(z.string()).describe('What they did, in order: "started the run", "approval.granted (approve)"…') });
export type ReportParticipant = z.infer<typeof ReportParticipant>;

/** A reviewer's sign-off of the report, and whether the report still says what was signed. */
export const ReviewerSignOff = z
  .object({
    reviewer: z.string(),
    at: z.string(),
    comment: z.string(),
    contentHash: z.string().describe("SHA-256 of the canonical JSON (RFC 8785) of the report's signed content, as signed."),
    currentHash: z.string().describe('The same hash of the report as it is now.'),
    changedAfterSignOff: z.boolean(),
    changed: z.array(z.string()).describe('The report sections whose content changed after the sign-off (e.g. findings).'),
  })
  .meta({ id: 'ReviewerSignOff' });
export type ReviewerSignOff = z.infer<typeof ReviewerSignOff>;

/** Where this run stands in the runbook's drill programme. */
export const ReportProgramme = z.object({
  every: z.string().optional().describe("The runbook's drill.every."),
  previous: z.object({ runId: z.string(), startedAt: z.string(), status: RecordStatus }).optional().describe('The drill of this runbook before this run.'),
  nextDueAt: z.string().optional().describe('When the next drill is due: this drill plus drill.every.'),
});

/** GET /runs/:id/report: everything a continuity officer files after a drill or a recovery. */
export const RunReport = z
  .object({
    runId: z.string(),
    title: z.string().optional(),
    runbook: z.object({ id: z.string(), version: z.int(), hash: z.string() }),
    mode: Mode,
    status: RecordStatus,
    requester: z.string(),
    trigger: RunTrigger,
    startedAt: z.string(),
    declaredAt: z.string().optional(),
    finishedAt: z.string().optional(),
    error: z.string().optional(),
    parameters: z.array(ReportParameter),
    recovery: z.object({ targetMs: z.number().optional(), achievedMs: z.number().optional(), breached: z.boolean() }),
    steps: z.array(ReportStep),
    skipped: z.array(z.object({ stepId: z.string(), status: z.enum(['skipped', 'simulated']), reason: z.string() })),
    signOffs: z.array(ReportSignOff),
    notifications: z.array(ReportNotification),
    failures: z.array(ReportFailure),
    verification: ChainVerification,
    trend: z.array(ReportTrendPoint).meta({ description: 'The newest drills of this runbook (at most 10), newest first.' }),
    scenario: z.string().optional().describe("What the drill rehearsed (the runbook's scenario)."),
    criteria: z.array(ReportCriterion).describe('The success criteria of the pinned runbook, each with its verdict.'),
    rpo: ReportRpo,
    participants: z.array(ReportParticipant),
    findings: z.array(Finding).describe("This run's findings and corrective actions."),
    openActions: z.array(Finding).describe('Findings still open on earlier runs of this runbook.'),
    programme: ReportProgramme,
    reviewerSignOff: ReviewerSignOff.optional(),
    generatedAt: z.string(),
  })
  .meta({ id: 'RunReport' });
export type RunReport = z.infer<typeof RunReport>;
