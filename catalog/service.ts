import { z } from 'zod';
import { RunbookIssue } from '../model/issue';
import { loadRunbook } from '../model/load';
import { Plan, planRunbook } from '../model/plan';
import { Mode, Runbook } from '../model/runbook';
import { DomainError } from '../runs/errors';
import type { Db } from '../store/connection';
import { getRunbook, listRunbooks, saveRunbook } from '../store/registry';

// The runbook catalog as the API and the CLI see it: upload (validate, then store a new version), list, read, plan.

export const SourceFormat = z.enum(['yaml', 'json']);
export type SourceFormat = z.infer<typeof SourceFormat>;

export const RunbookSummary = z.object({ id: z.string(), title: z.string(), latest: z.int(), hash: z.string(), updatedAt: z.string() }).meta({ id: 'RunbookSummary' });
export type RunbookSummary = z.infer<typeof RunbookSummary>;

export const PlanSummary = Plan.pick({ mode: true, predictedMs: true, totalMs: true, rtoMs: true, meetsRto: true, criticalPath: true, warnings: true }).meta({ id: 'PlanSummary' });
export type PlanSummary = z.infer<typeof PlanSummary>;

export const RunbookDetail = z
  .object({
    id: z.string(),
    title: z.string(),
    version: z.int(),
    latest: z.int(),
    hash: z.string(),
    createdAt: z.string(),
    runbook: Runbook,
    plan: z.object({ drill: PlanSummary, recovery: PlanSummary }),
  })
  .meta({ id: 'RunbookDetail' });
export type RunbookDetail = z.infer<typeof RunbookDetail>;

export const UploadResult = z.object({ id: z.string(), version: z.int(), hash: z.string(), created: z.boolean(), warnings: z.array(RunbookIssue) }).meta({ id: 'UploadResult' });
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

/** Validates and stores a runbook: a new version when its content changed, else the unchanged latest one. */
export async function uploadRunbook(db: Db, text: string, format: SourceFormat): Promise<UploadResult> {
  const loaded = loadRunbook(text, { format });
  if (!loaded.ok) {
    const summary = loaded.errors
      .slice(0, 3)
      .map((e) => `${e.line ? `line ${e.line} ` : ''}${e.path || '(document)'}: ${e.message}`)
      .join('; ');
    const more = loaded.errors.length > 3 ? ` (and ${loaded.errors.length - 3} more)` : '';
    throw new DomainError('invalid', `the runbook is invalid: ${summary}${more}`, loaded.errors);
  }
  const saved = await saveRunbook(db, loaded.runbook, loaded.hash, text);
  return { id: loaded.runbook.id, version: saved.version, hash: loaded.hash, created: saved.created, warnings: loaded.warnings };
}

/** Every registered runbook with its latest version. */
export async function runbookSummaries(db: Db): Promise<RunbookSummary[]> {
  return listRunbooks(db);
}

/** One version of a runbook (the latest unless `version` is given), with its plan in both modes. */
export async function runbookDetail(db: Db, id: string, version?: number): Promise<RunbookDetail> {
  const [stored, latest] = await Promise.all([found(db, id, version), found(db, id)]);
  const summary = (mode: Mode): PlanSummary => PlanSummary.parse(planRunbook(stored.runbook, { mode }));
  return {
    id,
    title: stored.runbook.title,
    version: stored.version,
    latest: latest.version,
    hash: stored.hash,
    createdAt: stored.createdAt,
    runbook: stored.runbook,
    plan: { drill: summary('drill'), recovery: summary('recovery') },
  };
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
