// Run records written straight into the store, for tests of code that reads nothing of a run but its record
// (listings, findings, the programme): no workflow is needed.
import { randomUUID } from 'node:crypto';
import type { RunRecord } from '../../contract/run';

/** A completed drill's record as the worker writes it, with `o` over it (a fresh run id unless given). */
export function drillRecord(o: Partial<RunRecord> & { runbookId: string }): RunRecord {
  return {
    runId: `${o.runbookId}-${randomUUID().slice(0, 8)}`,
    version: 1,
    hash: 'h',
    mode: 'drill',
    status: 'completed',
    requester: 'alice',
    trigger: { kind: 'api', by: 'alice' },
    parameters: {},
    startedAt: '2026-11-01T03:00:00.000Z',
    ...o,
  };
}
