// Findings and corrective actions recorded after a run (POST/PATCH /runs/:id/findings, `lifeboat findings`). A finding
// is the fold of its append-only changes (store/findings.ts); its history is those changes, with who and when.
import { z } from 'zod';
import { sameSubject } from '../contract/people';
import { DomainError } from '../runs/errors';
import { hasRole } from '../runs/roles';
import type { Db } from '../store/connection';
import { insertFindingChange, readRunbookFindingChanges, readRunFindingChanges, type FindingChangeDoc } from '../store/findings';
import { getRun } from '../store/runs';

export const FindingSeverity = z.enum(['low', 'medium', 'high', 'critical']);
export const FindingStatus = z.enum(['open', 'done', 'accepted-risk']);

const fields = {
  title: z.string().trim().min(1).max(200).describe('What was found, in one line.'),
  severity: FindingSeverity.describe('How much it matters.'),
  owner: z.string().trim().min(1).max(200).describe('Who owns the corrective action: a person (their token subject, so they may update it) or a team.'),
  due: z.iso.date().describe('When the corrective action is due (YYYY-MM-DD).'),
  status: FindingStatus.describe('open, done, or accepted-risk (no action will be taken, and someone accepted that).'),
};
const note = z.string().trim().min(1).max(2000).optional().describe('Why: recorded with this change in the history.');

/** POST /runs/:id/findings. */
export const NewFinding = z.strictObject({ ...fields, status: fields.status.default('open'), note }).meta({ id: 'NewFinding' });
export type NewFinding = z.infer<typeof NewFinding>;

/** PATCH /runs/:id/findings/:fid: the fields to change (at least one), and why. */
export const FindingPatch = z
  .strictObject({
    title: fields.title.optional(),
    severity: fields.severity.optional(),
    owner: fields.owner.optional(),
    due: fields.due.optional(),
    status: fields.status.optional(),
    note,
  })
  .refine((p) => Object.keys(p).some((k) => k !== 'note'), { error: 'change at least one of title, severity, owner, due or status' })
  .meta({ id: 'FindingPatch' });
export type FindingPatch = z.infer<typeof FindingPatch>;

/** One change on a finding's record. */
export const FindingChange = z.object({
  revision: z.int(),
  at: z.string(),
  by: z.string(),
  set: z.record(z.string(), z.string()).describe('The fields this change set, with their new values.'),
  note: z.string().optional(),
});

export const Finding = z
  .object({
    id: z.string().describe('F1, F2… within the run.'),
    runId: z.string(),
    runbookId: z.string(),
    title: z.string(),
    severity: FindingSeverity,
    owner: z.string(),
    due: z.string(),
    status: FindingStatus,
    createdBy: z.string(),
    createdAt: z.string(),
    updatedBy: z.string(),
    updatedAt: z.string(),
    history: z.array(FindingChange).describe('Every change, oldest first: append-only.'),
  })
  .meta({ id: 'Finding' });
export type Finding = z.infer<typeof Finding>;

export const FindingList = z.object({ runId: z.string(), findings: z.array(Finding) }).meta({ id: 'FindingList' });

/** Who records and changes findings. */
export const FINDINGS_ACCESS = 'operator|reviewer' as const;

const FIELD_NAMES = ['title', 'severity', 'owner', 'due', 'status'] as const;
const ATTEMPTS = 5;

/** Folds changes (of any number of findings, in _id order) into findings, in the order they were created. */
export function foldFindings(changes: readonly FindingChangeDoc[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const c of changes) {
    const key = `${c.runId}/${c.findingId}`;
    const found = byId.get(key);
    const history = [...(found?.history ?? []), { revision: c.revision, at: c.at, by: c.by, set: c.set, ...(c.note ? { note: c.note } : {}) }];
    const base = found ?? { id: c.findingId, runId: c.runId, runbookId: c.runbookId, createdBy: c.by, createdAt: c.at };
    const next = { ...base, ...pickFields(found), ...pickFields(c.set), updatedBy: c.by, updatedAt: c.at, history };
    const parsed = Finding.safeParse(next);
    if (parsed.success) byId.set(key, parsed.data);
  }
  return [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

function pickFields(o: Partial<Record<string, unknown>> | undefined): Record<string, unknown> {
  if (!o) return {};
  return Object.fromEntries(FIELD_NAMES.flatMap((k) => (typeof o[k] === 'string' ? [[k, o[k]]] : [])));
}

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
  const changes = (await readRunbookFindingChanges(db, runbookId)).filter((c) => c.runId !== exceptRunId && c.runStartedAt < before);
  return foldFindings(changes).filter((f) => f.status === 'open');
}
