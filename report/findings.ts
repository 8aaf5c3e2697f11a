// Findings and corrective actions recorded after a run (POST/PATCH /runs/:id/findings, `lifeboat findings`). A finding
// is the fold of its append-only changes (store/findings.ts); its history is those changes, with who and when.
import { sameSubject } from '../contract/people';
import { DomainError } from '../runs/errors';
import { hasRole } from '../runs/roles';
import type { Db } from '../store/connection';
import { insertFindingChange, readAllFindingChanges, readRunbookFindingChanges, readRunFindingChanges, type FindingChangeDoc } from '../store/findings';
import { getRun } from '../store/runs';
import { foldFindings, type Finding, type FindingPatch, type NewFinding } from './finding';

// Each try re-reads the changes; only others' changes landing in between make it try again.
const ATTEMPTS = 5;

async function runOf(db: Db, runId: string) {
  const record = await getRun(db, runId);
  if (!record) throw new DomainError('not-found', `run ${runId} does not exist`);
  return record;
}

/** A run's findings. */
export async function listFindings(db: Db, runId: string): Promise<Finding[]> {
  await runOf(db, runId);
  return foldFindings(await readRunFindingChanges(db, runId));
}

/** Records a new finding on a run. */
export async function addFinding(db: Db, runId: string, input: NewFinding, by: string, now = () => new Date().toISOString()): Promise<Finding> {
  const record = await runOf(db, runId);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const existing = foldFindings(await readRunFindingChanges(db, runId));
    const n = Math.max(0, ...existing.map((f) => Number(f.id.slice(1)))) + 1 + attempt;
    const { note: why, ...set } = input;
    const change = { runId, runbookId: record.runbookId, runStartedAt: record.startedAt, findingId: `F${n}`, revision: 1, at: now(), by, set, ...(why ? { note: why } : {}) };
    if (await insertFindingChange(db, change)) return foldFindings([{ _id: '', ...change }])[0]!;
  }
  throw new DomainError('conflict', `run ${runId} is taking many findings at once; retry`);
}

/**
 * Changes a finding: allowed to whoever recorded it, its owner, and a reviewer. Each change is a new revision; a
 * concurrent change of the same finding makes this one re-read and re-check before it tries again.
 */
export async function updateFinding(
  db: Db,
  runId: string,
  findingId: string,
  patch: FindingPatch,
  who: { subject: string; roles: string[] },
  now = () => new Date().toISOString(),
): Promise<Finding> {
  const record = await runOf(db, runId);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const changes = await readRunFindingChanges(db, runId);
    const current = foldFindings(changes).find((f) => f.id === findingId);
    if (!current) throw new DomainError('not-found', `run ${runId} has no finding ${findingId}; list them with GET /runs/${runId}/findings`);
    if (!hasRole(who.roles, 'reviewer') && !sameSubject(who.subject, current.createdBy) && !sameSubject(who.subject, current.owner)) {
      throw new DomainError(
        'forbidden',
        `${who.subject} may not change finding ${findingId}: only whoever recorded it (${current.createdBy}), its owner (${current.owner}) or a reviewer may`,
        [],
        'finding-owner',
      );
    }
    const { note: why, ...rest } = patch;
    const set = Object.fromEntries(Object.entries(rest).filter(([k, v]) => v !== undefined && v !== current[k as keyof Finding]));
    if (Object.keys(set).length === 0) return current;
    const revision = current.history.length + 1;
    const change = { runId, runbookId: record.runbookId, runStartedAt: record.startedAt, findingId, revision, at: now(), by: who.subject, set, ...(why ? { note: why } : {}) };
    if (await insertFindingChange(db, change)) return foldFindings([...changes.filter((c) => c.findingId === findingId), { _id: '', ...change }])[0]!;
  }
  throw new DomainError('conflict', `finding ${findingId} of run ${runId} is being changed by others at the same time; re-read it and retry`);
}

/** Findings still open on runs of the runbook that started before `before` (the open actions of earlier drills). */
export async function openActionsBefore(db: Db, runbookId: string, before: string, exceptRunId: string): Promise<Finding[]> {
  return openActions(db, runbookId, (c) => c.runId !== exceptRunId && c.runStartedAt < before);
}

/** Findings still open on any run, by runbook id, from one read of every change. */
export async function openActionsByRunbook(db: Db): Promise<Map<string, Finding[]>> {
  const out = new Map<string, Finding[]>();
  for (const f of foldFindings(await readAllFindingChanges(db))) if (f.status === 'open') out.set(f.runbookId, [...(out.get(f.runbookId) ?? []), f]);
  return out;
}

/** Findings still open on the runbook's runs (those `keep` keeps; all by default), in one read. */
export async function openActions(db: Db, runbookId: string, keep: (c: FindingChangeDoc) => boolean = () => true): Promise<Finding[]> {
  const changes = (await readRunbookFindingChanges(db, runbookId)).filter(keep);
  return foldFindings(changes).filter((f) => f.status === 'open');
}
