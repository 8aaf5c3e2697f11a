// A finding and its corrective action: the schemas the API, CLI and report share, and the pure fold of its
// append-only changes (store/findings.ts) into the finding with its history.
import { z } from 'zod';
import type { FindingChangeDoc } from '../store/findings';

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
