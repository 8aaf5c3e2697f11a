import type { SubRunbookGate } from '../actions/kit';
import type { Runbook } from '../model/runbook';
import { getRunbook } from '../store/registry';

type Db = Parameters<typeof getRunbook>[0];

// A child run's approvals guard the steps of its parent that need the `runbook` step running it, so the parent must
// know them before anyone may skip that step: the registry is read when the run starts, and the step later runs the
// version read here (actions/runbook.ts), so an upload in between cannot change what the parent was told.

const MAX_DEPTH = 8;

/** For each `runbook` step of `runbook`, the approvals of the version it will run, its own sub-runbooks included. */
export async function subRunbookGates(db: Db, runbook: Runbook): Promise<Record<string, SubRunbookGate>> {
  const gates: Record<string, SubRunbookGate> = {};
  for (const step of runbook.steps) {
    if (step.action !== 'runbook') continue;
    const found = await getRunbook(db, step.with.runbook, step.with.version);
    const gate: SubRunbookGate = { runbook: step.with.runbook, version: found?.version, approvers: [], quorum: 0, allowSelfApproval: true };
    if (found) await collect(db, found.runbook, gate, new Set([`${runbook.id}`, found.runbook.id]), 1);
    gates[step.id] = gate;
  }
  return gates;
}

async function collect(db: Db, runbook: Runbook, gate: SubRunbookGate, seen: Set<string>, depth: number): Promise<void> {
  for (const step of runbook.steps) {
    if (step.action === 'approval') {
      for (const role of step.with.approvers) if (!gate.approvers.includes(role)) gate.approvers.push(role);
      gate.quorum = Math.max(gate.quorum, step.with.quorum);
      gate.allowSelfApproval &&= step.with.allowSelfApproval;
    } else if (step.action === 'runbook' && depth < MAX_DEPTH && !seen.has(step.with.runbook)) {
      const found = await getRunbook(db, step.with.runbook, step.with.version);
      if (found) await collect(db, found.runbook, gate, new Set([...seen, found.runbook.id]), depth + 1);
    }
  }
}
