import type { RunService } from '../runs/service';
import type { Db } from '../store/connection';
import { getRunbook } from '../store/registry';
import { findRuns } from '../store/runs';
import { readTimeline } from '../store/timeline';
import { verifyEvidence } from '../timeline/evidence';
import { buildReport } from './build';
import { evidenceBundle, type EvidenceBundle } from './evidence';
import type { RunReport } from './types';

/** How many drills of the same runbook the recovery-time trend shows. */
export const TREND_DRILLS = 10;

/** Gathers what a run's report is built from (one read of the timeline, verified as shown) and builds it. */
async function gather(deps: { runs: RunService; db: Db }, runId: string) {
  const { record, state } = await deps.runs.get(runId);
  // The chain is verified on the very events the report shows (one read), not on a second read of the store.
  const [{ events, head }, pinned, trend, anchors] = await Promise.all([
    readTimeline(deps.db, runId),
    getRunbook(deps.db, record.runbookId, record.version),
    findRuns(deps.db, { runbookId: record.runbookId, mode: 'drill' }, TREND_DRILLS),
    deps.runs.anchors(runId),
  ]);
  const report = buildReport({
    record,
    state,
    runbook: pinned?.runbook,
    events,
    verification: verifyEvidence(runId, events, head, anchors, deps.runs.evidenceKey),
    trend,
    now: new Date().toISOString(),
  });
  return { report, events, head, anchors };
}

/** A run's report (GET /runs/:id/report). 404 (DomainError) for an unknown run. */
export async function runReport(deps: { runs: RunService; db: Db }, runId: string): Promise<RunReport> {
  return (await gather(deps, runId)).report;
}

/** A run's evidence export (GET /runs/:id/evidence): its events, the signed heads from Temporal, the key, the report. */
export async function runEvidence(deps: { runs: RunService; db: Db }, runId: string): Promise<EvidenceBundle> {
  const { report, events, head, anchors } = await gather(deps, runId);
  return evidenceBundle({ runId, events, storeHead: head, anchors, publicKey: deps.runs.evidenceKey, report, now: report.generatedAt });
}
