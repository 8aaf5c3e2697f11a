import { stringify } from 'yaml';
import { z } from 'zod';
import { diffLines, DiffLine } from './diff';
import { RunbookIssue } from '../model/issue';
import { loadRunbook } from '../model/load';
import { Plan, planRunbook } from '../model/plan';
import { Mode, Runbook } from '../model/runbook';
import { DomainError } from '../runs/errors';
import type { Db } from '../store/connection';
import { hasRole } from '../runs/roles';
import { getRunbook, getVersionInfo, listRunbooks, reviewRunbook, saveRunbook } from '../store/registry';

// The runbook catalog as the API and the CLI see it: upload (validate, then store a new version), list, read, plan.

export const SourceFormat = z.enum(['yaml', 'json']);
export type SourceFormat = z.infer<typeof SourceFormat>;

/** A version number as a path or query value (the API's `?version=`, the CLI's `--version`). */
export const VersionNumber = z.coerce.number().int().positive();

export const RunbookSummary = z.object({ id: z.string(), title: z.string(), latest: z.int(), hash: z.string(), updatedAt: z.string() }).meta({ id: 'RunbookSummary' });
export type RunbookSummary = z.infer<typeof RunbookSummary>;

export const PlanSummary = Plan.pick({ mode: true, predictedMs: true, totalMs: true, rtoMs: true, meetsRto: true, criticalPath: true, warnings: true }).meta({ id: 'PlanSummary' });
export type PlanSummary = z.infer<typeof PlanSummary>;

/** Who may change command steps and secret references: admins only, or anyone with author plus a second person's review. */
export const ReviewRule = z.enum(['admin', 'required']);
export type ReviewRule = z.infer<typeof ReviewRule>;

export const Review = z.object({ by: z.string(), at: z.string() }).meta({ id: 'RunbookReview' });

/** Who uploaded a version, what sensitive parts it changed, and whether (and by whom) it was reviewed. */
export const Provenance = z.object({
  uploadedBy: z.string().optional().meta({ description: 'Absent on versions stored before uploads were recorded.' }),
  changes: z.array(z.string()).meta({ description: 'The command steps and secret references this version added or changed since the one before.' }),
  reviewNeeded: z.boolean().meta({ description: 'Recovery mode runs this version only once someone other than the uploader reviewed it.' }),
  review: Review.optional(),
});

export const RunbookDetail = z
  .object({
    id: z.string(),
    title: z.string(),
    version: z.int(),
    latest: z.int(),
    hash: z.string(),
    createdAt: z.string(),
    ...Provenance.shape,
    runbook: Runbook,
    plan: z.object({ drill: PlanSummary, recovery: PlanSummary }),
  })
  .meta({ id: 'RunbookDetail' });
export type RunbookDetail = z.infer<typeof RunbookDetail>;

export const UploadResult = z
  .object({ id: z.string(), version: z.int(), hash: z.string(), created: z.boolean(), warnings: z.array(RunbookIssue), ...Provenance.shape })
  .meta({ id: 'UploadResult' });
export type UploadResult = z.infer<typeof UploadResult>;

export const ValidationResult = z
  .object({ ok: z.boolean(), id: z.string().optional(), hash: z.string().optional(), errors: z.array(RunbookIssue), warnings: z.array(RunbookIssue) })
  .meta({ id: 'ValidationResult' });
export type ValidationResult = z.infer<typeof ValidationResult>;

/** Checks a runbook's source without storing it: every error and warning, with lines. */
export function validateSource(text: string, format: SourceFormat): ValidationResult {
  const loaded = loadRunbook(text, { format });
  if (!loaded.ok) return { ok: false, errors: loaded.errors, warnings: [] };
  return { ok: true, id: loaded.runbook.id, hash: loaded.hash, errors: [], warnings: loaded.warnings };
}

/** Who uploads: a token's subject and roles, or the runbooks/ directory synced at start (an admin upload). */
export type Uploader = { subject: string; roles: readonly string[] };

/**
 * The change-control rule for one upload: changes to command steps or secret references need the admin role, or
 * under `required` a second person's review before recovery mode runs the version. Throws to refuse the upload.
 */
export function uploadPolicy(rule: ReviewRule, uploader: Uploader, runbookId: string): (changes: string[]) => boolean {
  return (changes) => {
    if (changes.length === 0 || hasRole(uploader.roles, 'admin')) return false;
    if (rule === 'required') return true;
    throw new DomainError(
      'forbidden',
      `uploading runbook ${runbookId} needs the admin role: ${changes.join('; ')} (rule LIFEBOAT_RUNBOOK_REVIEW=admin: only admins change command steps and secret references; ` +
        `with LIFEBOAT_RUNBOOK_REVIEW=required an author may, and recovery mode runs the version once a second person reviews it)`,
    );
  };
}

/** Validates and stores a runbook: a new version when its content changed, else the unchanged latest one. */
export async function uploadRunbook(db: Db, text: string, format: SourceFormat, uploader: Uploader, rule: ReviewRule): Promise<UploadResult> {
  const loaded = loadRunbook(text, { format });
  if (!loaded.ok) {
    const summary = loaded.errors
      .slice(0, 3)
      .map((e) => `${e.line ? `line ${e.line} ` : ''}${e.path || '(document)'}: ${e.message}`)
      .join('; ');
    const more = loaded.errors.length > 3 ? ` (and ${loaded.errors.length - 3} more)` : '';
    throw new DomainError('invalid', `the runbook is invalid: ${summary}${more}`, loaded.errors);
  }
  const id = loaded.runbook.id;
  const saved = await saveRunbook(db, loaded.runbook, loaded.hash, text, { uploadedBy: uploader.subject, policy: uploadPolicy(rule, uploader, id) });
  const stored = await found(db, id, saved.version);
  return { id, version: saved.version, hash: loaded.hash, created: saved.created, warnings: loaded.warnings, ...provenance(stored) };
}

/**
 * Records a second person's review of a version that needs one: the reviewer is not its uploader. Reviewing a
 * version again as its reviewer answers the same review; someone else's second review is a conflict.
 */
export async function reviewVersion(db: Db, id: string, version: number, reviewer: string): Promise<RunbookDetail> {
  const stored = await found(db, id, version);
  if (!stored.reviewNeeded)
    throw new DomainError('conflict', `runbook ${id} v${version} needs no review: it changes no command steps or secret references, or an admin uploaded it`);
  if (stored.uploadedBy === reviewer) {
    throw new DomainError('forbidden', `${reviewer} uploaded runbook ${id} v${version} and cannot review it: four eyes (LIFEBOAT_RUNBOOK_REVIEW=required) need a second person`);
  }
  const { review, already } = await reviewRunbook(db, id, version, reviewer);
  if (already && review.by !== reviewer) throw new DomainError('conflict', `runbook ${id} v${version} was already reviewed by ${review.by} at ${review.at}`);
  return runbookDetail(db, id, version);
}

function provenance(v: z.infer<typeof Provenance>): z.infer<typeof Provenance> {
  return { ...(v.uploadedBy === undefined ? {} : { uploadedBy: v.uploadedBy }), changes: v.changes, reviewNeeded: v.reviewNeeded, ...(v.review ? { review: v.review } : {}) };
}

/** Every registered runbook with its latest version. */
export async function runbookSummaries(db: Db): Promise<RunbookSummary[]> {
  return listRunbooks(db);
}

/** One version of a runbook (the latest unless `version` is given), with its plan in both modes. */
export async function runbookDetail(db: Db, id: string, version?: number): Promise<RunbookDetail> {
  return (await runbookDetailAndPlan(db, id, 'recovery', version)).detail;
}

/**
 * A version's detail and its full plan in `mode`, from one read of the definition: the console's pages need both,
 * and reading and planning the same version twice per view was the bulk of their time.
 */
export async function runbookDetailAndPlan(db: Db, id: string, mode: Mode, version?: number): Promise<{ detail: RunbookDetail; plan: Plan & { id: string; version: number } }> {
  // The latest version's number is all that is needed of it: its info, not its definition through the schema.
  const [stored, latest] = await Promise.all([found(db, id, version), version === undefined ? undefined : getVersionInfo(db, id)]);
  const plans = { drill: planRunbook(stored.runbook, { mode: 'drill' }), recovery: planRunbook(stored.runbook, { mode: 'recovery' }) };
  const detail: RunbookDetail = {
    id,
    title: stored.runbook.title,
    version: stored.version,
    latest: latest?.version ?? stored.version,
    hash: stored.hash,
    createdAt: stored.createdAt,
    ...provenance(stored),
    runbook: stored.runbook,
    plan: { drill: PlanSummary.parse(plans.drill), recovery: PlanSummary.parse(plans.recovery) },
  };
  return { detail, plan: { id, version: stored.version, ...plans[mode] } };
}

export const VersionEntry = z.object({ version: z.int(), hash: z.string(), createdAt: z.string(), title: z.string(), ...Provenance.shape }).meta({ id: 'RunbookVersionEntry' });
export type VersionEntry = z.infer<typeof VersionEntry>;
export const VersionHistory = z.object({ id: z.string(), latest: z.int(), versions: z.array(VersionEntry) }).meta({ id: 'RunbookVersionHistory' });
export type VersionHistory = z.infer<typeof VersionHistory>;

export const VersionDiff = z
  .object({
    id: z.string(),
    from: z.int(),
    to: z.int(),
    added: z.int(),
    removed: z.int(),
    lines: z.array(DiffLine).meta({ description: 'Every line of both versions: the uploaded text, or the stored definition as YAML for versions stored without their text.' }),
  })
  .meta({ id: 'RunbookVersionDiff' });
export type VersionDiff = z.infer<typeof VersionDiff>;

/** How many versions a history answers at most, newest first. */
export const HISTORY_LIMIT = 100;

/** A runbook's versions, newest first: who uploaded each, what sensitive parts it changed, its review. */
export async function runbookHistory(db: Db, id: string, limit = HISTORY_LIMIT): Promise<VersionHistory> {
  const latest = await getVersionInfo(db, id);
  if (!latest) throw new DomainError('not-found', `runbook ${id} is not registered; list runbooks with GET /runbooks`);
  // Version documents are point lookups by _id (FerretDB pushes down nothing else); versions are never deleted. Only
  // their titles are read from the definitions: a history is metadata, and parsing every version would be wasted.
  const numbers = Array.from({ length: Math.min(limit, latest.version) }, (_, i) => latest.version - i);
  const versions = await Promise.all(
    numbers.map(async (n) => {
      const v = n === latest.version ? latest : await getVersionInfo(db, id, n);
      if (!v) throw new DomainError('not-found', `runbook ${id} has no version ${n}`);
      return v;
    }),
  );
  return {
    id,
    latest: latest.version,
    versions: versions.map((v) => ({ version: v.version, hash: v.hash, createdAt: v.createdAt, title: v.title, ...provenance(v) })),
  };
}

/** A line diff between two versions of a runbook, in the text each was uploaded as. */
export async function diffVersions(db: Db, id: string, from: number, to: number): Promise<VersionDiff> {
  const [a, b] = await Promise.all([found(db, id, from), found(db, id, to)]);
  const text = (v: { source?: string; runbook: Runbook }) => v.source ?? stringify(v.runbook);
  const lines = diffLines(text(a), text(b));
  return { id, from, to, added: lines.filter((l) => l.op === 'added').length, removed: lines.filter((l) => l.op === 'removed').length, lines };
}

/** The full plan of a runbook version in one mode: stages, critical path, predicted time against the RTO. */
export async function runbookPlan(db: Db, id: string, mode: Mode, version?: number): Promise<Plan & { id: string; version: number }> {
  const stored = await found(db, id, version);
  return { id, version: stored.version, ...planRunbook(stored.runbook, { mode }) };
}

async function found(db: Db, id: string, version?: number) {
  const stored = await getRunbook(db, id, version);
  if (stored) return stored;
  throw new DomainError('not-found', version === undefined ? `runbook ${id} is not registered; list runbooks with GET /runbooks` : `runbook ${id} has no version ${version}`);
}
