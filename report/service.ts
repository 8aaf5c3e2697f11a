import type { RunService } from '../runs/service';
import type { Db } from '../store/connection';
import { getRunbook } from '../store/registry';
import { readRunFindingChanges } from '../store/findings';
import { findRuns } from '../store/runs';
import { getSignOff } from '../store/signoffs';
import { readTimeline } from '../store/timeline';
import { verifyEvidence } from '../timeline/evidence';
import { buildReport } from './build';
import { evidenceBundle, type EvidenceBundle } from './evidence';
import { foldFindings } from './finding';
import { openActionsBefore } from './findings';
import type { ReviewerSignOff, RunReport } from './types';
import { contentHash, reviewOf, signedContent } from './signoff';
import { DomainError } from '../runs/errors';
import { sameSubject } from '../contract/people';
import { canonicalJson } from '../model/hash';
import { insertSignOff } from '../store/signoffs';

/** How many drills of the same runbook the recovery-time trend shows. */
export const TREND_DRILLS = 10;

/** Gathers what a run's report is built from (one read of the timeline, verified as shown) and builds it. */
async function gather(deps: { runs: RunService; db: Db }, runId: string) {
  // What needs only the run's id is read while its record is (a long timeline is most of the wait).
  const byId = Promise.all([readTimeline(deps.db, runId), deps.runs.anchors(runId), readRunFindingChanges(deps.db, runId).then(foldFindings), getSignOff(deps.db, runId)]);
  byId.catch(() => undefined); // awaited below, unless the run turns out not to exist
  const { record, state } = await deps.runs.get(runId);
  // The chain is verified on the very events the report shows (one read), not on a second read of the store.
  const [[{ events, head }, anchors, findings, signOff], pinned, trend, openActions] = await Promise.all([
    byId,
    getRunbook(deps.db, record.runbookId, record.version),
    findRuns(deps.db, { runbookId: record.runbookId, mode: 'drill' }, TREND_DRILLS),
    openActionsBefore(deps.db, record.runbookId, record.startedAt, runId),
  ]);
  const report = buildReport({
    record,
    state,
    runbook: pinned?.runbook,
    events,
    verification: verifyEvidence(runId, events, head, anchors, deps.runs.evidenceKey),
    trend,
    now: new Date().toISOString(),
    findings,
    openActions,
    signOff,
  });
  return { report, events, head, anchors };
}

/** A run's report (GET /runs/:id/report). 404 (DomainError) for an unknown run. */
export async function runReport(deps: { runs: RunService; db: Db }, runId: string): Promise<RunReport> {
  return (await gather(deps, runId)).report;
}

/**
 * A reviewer signs a finished run's report: the sign-off names the hash of its signed content now (report/signoff.ts).
 * Not the person who started the run: a review is independent of the drill it reviews. One sign-off per run.
 */
export async function signOffRun(
  deps: { runs: RunService; db: Db },
  runId: string,
  reviewer: string,
  comment: string,
  now = () => new Date().toISOString(),
): Promise<ReviewerSignOff> {
  const { report } = await gather(deps, runId);
  if (report.status === 'running') throw new DomainError('conflict', `run ${runId} is still running: sign its report once it has ended`);
  if (sameSubject(report.requester, reviewer)) {
    throw new DomainError(
      'forbidden',
      `${reviewer} started run ${runId} and may not sign off its report: the review must be independent; ask another reviewer`,
      [],
      'independent-review',
    );
  }
  const content = signedContent(report);
  const doc = { _id: runId, reviewer, at: now(), comment, contentHash: contentHash(content), content: canonicalJson(content) };
  if (!(await insertSignOff(deps.db, doc))) {
    const signed = await getSignOff(deps.db, runId);
    throw new DomainError('conflict', `run ${runId} was signed off already${signed ? ` by ${signed.reviewer} at ${signed.at}` : ''}`);
  }
  return reviewOf(report, doc);
}

/** The run's sign-off against its report as it is now; 404 (DomainError) when it has none. */
export async function runSignOff(deps: { runs: RunService; db: Db }, runId: string): Promise<ReviewerSignOff> {
  const { report } = await gather(deps, runId);
  if (!report.reviewerSignOff) throw new DomainError('not-found', `run ${runId} has not been signed off`);
  return report.reviewerSignOff;
}

/** A run's evidence export (GET /runs/:id/evidence): its events, the signed heads from Temporal, the key, the report. */
export async function runEvidence(deps: { runs: RunService; db: Db }, runId: string): Promise<EvidenceBundle> {
  const { report, events, head, anchors } = await gather(deps, runId);
  return evidenceBundle({ runId, events, storeHead: head, anchors, publicKey: deps.runs.evidenceKey, report, now: report.generatedAt });
}
