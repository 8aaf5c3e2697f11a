import type { RunService } from '../runs/service';
import type { Db } from '../store/connection';
import { getRunbook } from '../store/registry';
import { findRuns } from '../store/runs';
import { readTimeline } from '../store/timeline';
import { verifyChain } from '../timeline/chain';
import { buildReport } from './build';
import type { RunReport } from './types';

/** How many drills of the same runbook the recovery-time trend shows. */
export const TREND_DRILLS = 10;

/** Gathers what a run's report is built from and builds it. 404 (DomainError) for an unknown run. */
export async function runReport(deps: { runs: RunService; db: Db }, runId: string): Promise<RunReport> {
  const { record, state } = await deps.runs.get(runId);
  // The chain is verified on the very events the report shows (one read), not on a second read of the store.
  const [{ events, head }, pinned, trend] = await Promise.all([
    readTimeline(deps.db, runId),
    getRunbook(deps.db, record.runbookId, record.version),
    findRuns(deps.db, { runbookId: record.runbookId, mode: 'drill' }, TREND_DRILLS),
  ]);
  return buildReport({
    record,
    state,
    runbook: pinned?.runbook,
    events,
    verification: verifyChain(runId, events, head),
    trend,
    now: new Date().toISOString(),
  });
}
