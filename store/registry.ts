import type { Collection } from 'mongodb';
import { z } from 'zod';
import { Runbook } from '../model/runbook';
import { sensitiveChanges } from '../model/sensitive';
import { perStore } from './coalesce';
import { isDuplicateKey, type Db } from './connection';

// Layout for FerretDB v1 (point lookups by _id only):
//  - `runbooks`, _id = runbook id: the latest version number and hash;
//  - `runbook_versions`, _id = `<id>@<version>`: one immutable version, the definition kept as JSON text, with who
//    uploaded it and the sensitive changes (command steps, secret references) it made to the version before it;
//  - `runbook_reviews`, _id = `<id>@<version>`: the one review of a version that needed one (inserted, so the first
//    reviewer wins and the version document stays immutable).
// The definition is JSON text because runbooks carry user data (headers, JSON bodies) whose keys FerretDB v1 rejects.

interface HeadDoc {
  _id: string;
  latest: number;
  hash: string;
  title: string;
  updatedAt: string;
}
interface VersionDoc {
  _id: string;
  runbookId: string;
  version: number;
  hash: string;
  definition: string;
  source?: string;
  createdAt: string;
  uploadedBy?: string;
  changes?: string[];
  reviewNeeded?: boolean;
}
interface ReviewDoc {
  _id: string;
  reviewedBy: string;
  reviewedAt: string;
}

/** Who uploaded a version and how it may be run: `reviewNeeded` versions run in recovery mode only once reviewed. */
export interface VersionProvenance {
  /** Absent on versions stored before uploads were recorded. */
  uploadedBy?: string;
  /** The command steps and secret references this version added or changed, as sentences. */
  changes: string[];
  reviewNeeded: boolean;
  review?: { by: string; at: string };
}

/** How an upload is recorded: by whom, and whether its sensitive changes (if any) need a second person's review. */
export interface UploadMeta {
  uploadedBy: string;
  /** Decides from the sensitive changes against the latest version: true = needs review; throws to refuse the upload. */
  policy: (changes: string[]) => boolean;
}

/** One stored, immutable runbook version. */
export interface RunbookVersion extends VersionProvenance {
  runbook: Runbook;
  version: number;
  hash: string;
  createdAt: string;
  /** The text as uploaded (absent on versions stored from a definition only). */
  source?: string;
}

/**
 * Stores a runbook: identical content to the latest version is a no-op; changed content becomes version n+1.
 * Safe under concurrent callers: the version document's _id is unique, so two writers cannot both take n+1.
 */
export async function saveRunbook(db: Db, runbook: Runbook, hash: string, source?: string, meta?: UploadMeta): Promise<{ version: number; created: boolean }> {
  const heads = db.collection<HeadDoc>('runbooks');
  const versions = db.collection<VersionDoc>('runbook_versions');
  for (let tries = 0; tries < 20; tries++) {
    const head = await currentHead(db, runbook.id);
    if (head?.hash === hash) return { version: head.latest, created: false };
    const version = (head?.latest ?? 0) + 1;
    const createdAt = new Date().toISOString();
    // Compared with the version this one follows, decided again on every try: a writer that lost the race compares
    // with the version that won it.
    const previous = head ? await getRunbook(db, runbook.id, head.latest) : undefined;
    const changes = meta ? sensitiveChanges(previous?.runbook, runbook) : [];
    const provenance = meta ? { uploadedBy: meta.uploadedBy, changes, reviewNeeded: meta.policy(changes) } : {};
    try {
      await versions.insertOne({ _id: `${runbook.id}@${version}`, runbookId: runbook.id, version, hash, definition: JSON.stringify(runbook), source, createdAt, ...provenance });
    } catch (err) {
      if (isDuplicateKey(err)) {
        // Another writer took this number, or an earlier attempt of ours died before moving the head.
        const existing = await versions.findOne({ _id: `${runbook.id}@${version}` });
        if (existing?.hash === hash) {
          await moveHead(heads, runbook, version, hash);
          return { version, created: false };
        }
        if (existing) await moveHead(heads, { id: runbook.id, title: titleOf(existing) }, version, existing.hash);
        continue;
      }
      throw err;
    }
    await moveHead(heads, runbook, version, hash);
    return { version, created: true };
  }
  throw new Error(`could not store runbook ${runbook.id}: too many concurrent writers`);
}

// Forward only, and each step conditional: writers finish in any order, and one holding an older number must not
// move the head back past a newer one. The first head is inserted, not upserted: concurrent upserts of a missing
// _id can both try to insert it (FerretDB does not retry them), and the loser then only moves the head forward.
async function moveHead(heads: Collection<HeadDoc>, runbook: { id: string; title?: string }, version: number, hash: string): Promise<void> {
  const head = { latest: version, hash, title: runbook.title ?? runbook.id, updatedAt: new Date().toISOString() };
  const behind = { _id: runbook.id, latest: { $lt: version } };
  if ((await heads.updateOne(behind, { $set: head })).matchedCount > 0) return;
  try {
    await heads.insertOne({ _id: runbook.id, ...head });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await heads.updateOne(behind, { $set: head });
  }
}

function titleOf(version: VersionDoc): string | undefined {
  const definition: unknown = JSON.parse(version.definition);
  const title: unknown = typeof definition === 'object' && definition !== null ? Reflect.get(definition, 'title') : undefined;
  return typeof title === 'string' ? title : undefined;
}

// The head is a lower bound, not the truth: FerretDB evaluates a filter other than `{_id}` outside the write, so two
// conditional head moves can both pass `latest < v` and the older one can land last. Version documents are inserted
// under a unique _id and never change, so the real latest is found by walking forward from the head; a head found
// behind (or missing, when its writer died after storing version 1) is moved forward on the way.
async function currentHead(db: Db, id: string, read?: HeadDoc): Promise<HeadDoc | undefined> {
  const heads = db.collection<HeadDoc>('runbooks');
  const versions = db.collection<VersionDoc>('runbook_versions');
  // A head just read (the list's scan) is walked forward from as it was: reading it again tells nothing more.
  const head = read ?? (await heads.findOne({ _id: id }));
  let newest: VersionDoc | undefined;
  for (let next = await versions.findOne({ _id: `${id}@${(head?.latest ?? 0) + 1}` }); next; next = await versions.findOne({ _id: `${id}@${next.version + 1}` })) newest = next;
  if (!newest) return head ?? undefined;
  await moveHead(heads, { id, title: titleOf(newest) }, newest.version, newest.hash);
  return { _id: id, latest: newest.version, hash: newest.hash, title: titleOf(newest) ?? id, updatedAt: newest.createdAt };
}

/** The latest version, or a given one; undefined when there is no such runbook or version. */
export async function getRunbook(db: Db, id: string, version?: number): Promise<RunbookVersion | undefined> {
  // A burst of triggers reads the same runbook: concurrent reads share the store's round trips (store/coalesce.ts),
  // each sent after its callers came, so a version stored before a trigger arrives is the one it pins.
  const found = await versionReads(db).read(`${id}@${version ?? 'latest'}`, () => readVersion(db, id, version));
  if (!found) return undefined;
  const { doc, info } = found;
  return { runbook: parsedDefinition(doc), ...info, changes: [...info.changes], ...(doc.source === undefined ? {} : { source: doc.source }) };
}

const versionReads = perStore<Db, { doc: VersionDoc; info: VersionInfo } | undefined>();

// Parsed definitions by version _id, kept only while their stored text is the same, compared in full on every read:
// a version is immutable, but a document edited in the store is parsed again, never answered from memory. Bounded
// by the text kept (a 1 MiB runbook's parse takes hundreds of ms; a small one's a few); each caller gets a copy.
const PARSED_TEXT_LIMIT = 2 * 1024 * 1024;
const parsed = new Map<string, { hash: string; definition: string; runbook: Runbook }>();
let parsedText = 0;

function parsedDefinition(doc: VersionDoc): Runbook {
  const kept = parsed.get(doc._id);
  if (kept && kept.hash === doc.hash && kept.definition === doc.definition) {
    parsed.delete(doc._id); // most recently used last
    parsed.set(doc._id, kept);
    return structuredClone(kept.runbook);
  }
  const runbook = Runbook.parse(JSON.parse(doc.definition));
  if (kept) {
    parsed.delete(doc._id);
    parsedText -= kept.definition.length;
  }
  if (doc.definition.length <= PARSED_TEXT_LIMIT) {
    parsed.set(doc._id, { hash: doc.hash, definition: doc.definition, runbook: structuredClone(runbook) });
    parsedText += doc.definition.length;
    for (const [key, old] of parsed) {
      if (parsedText <= PARSED_TEXT_LIMIT) break;
      parsed.delete(key);
      parsedText -= old.definition.length;
    }
  }
  return runbook;
}

/** What a version's history shows of it (the latest unless `version` is given): title and provenance, without validating its whole definition. */
export async function getVersionInfo(db: Db, id: string, version?: number): Promise<(VersionInfo & { title: string }) | undefined> {
  const found = await readVersion(db, id, version);
  return found && { ...found.info, title: VersionTitle.parse(JSON.parse(found.doc.definition)).title };
}

/**
 * Some fields of one version's definition, read with `schema` alone rather than the whole runbook's (the drill
 * programme reads title, owner and cadence this way), in one point read; undefined when the version is missing or
 * its definition does not fit `schema`.
 */
export async function getVersionFields<S extends z.ZodType>(db: Db, id: string, version: number, schema: S): Promise<{ createdAt: string; fields: z.output<S> } | undefined> {
  const doc = await db.collection<VersionDoc>('runbook_versions').findOne({ _id: `${id}@${version}` });
  const parsed = doc ? schema.safeParse(JSON.parse(doc.definition)) : undefined;
  return doc && parsed?.success ? { createdAt: doc.createdAt, fields: parsed.data } : undefined;
}

type VersionInfo = Omit<RunbookVersion, 'runbook' | 'source'>;
const VersionTitle = z.object({ title: z.string() });

async function readVersion(db: Db, id: string, version?: number): Promise<{ doc: VersionDoc; info: VersionInfo } | undefined> {
  let v = version;
  if (v === undefined) {
    const head = await currentHead(db, id);
    if (!head) return undefined;
    v = head.latest;
  }
  const doc = await db.collection<VersionDoc>('runbook_versions').findOne({ _id: `${id}@${v}` });
  if (!doc) return undefined;
  const review = doc.reviewNeeded ? await db.collection<ReviewDoc>('runbook_reviews').findOne({ _id: doc._id }) : null;
  const info: VersionInfo = {
    version: doc.version,
    hash: doc.hash,
    createdAt: doc.createdAt,
    ...(doc.uploadedBy === undefined ? {} : { uploadedBy: doc.uploadedBy }),
    changes: doc.changes ?? [],
    reviewNeeded: doc.reviewNeeded === true,
    ...(review ? { review: { by: review.reviewedBy, at: review.reviewedAt } } : {}),
  };
  return { doc, info };
}

/**
 * Records `reviewer`'s review of a version that needs one. The caller checks who may review; the insert makes the
 * first review the only one: a second answers `already` with the review that stands.
 */
export async function reviewRunbook(db: Db, id: string, version: number, reviewer: string): Promise<{ review: { by: string; at: string }; already: boolean }> {
  const reviewedAt = new Date().toISOString();
  try {
    await db.collection<ReviewDoc>('runbook_reviews').insertOne({ _id: `${id}@${version}`, reviewedBy: reviewer, reviewedAt });
    return { review: { by: reviewer, at: reviewedAt }, already: false };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await db.collection<ReviewDoc>('runbook_reviews').findOne({ _id: `${id}@${version}` });
    if (!existing) throw err;
    return { review: { by: existing.reviewedBy, at: existing.reviewedAt }, already: true };
  }
}

/** Every runbook's latest version number and title. */
export async function listRunbooks(db: Db): Promise<Array<{ id: string; latest: number; hash: string; title: string; updatedAt: string }>> {
  const stored = await db.collection<HeadDoc>('runbooks').find({}).toArray();
  const heads = await Promise.all(stored.map(async (h) => (await currentHead(db, h._id, h)) ?? h));
  return heads.map(({ _id, ...h }) => ({ id: _id, ...h })).sort((a, b) => a.id.localeCompare(b.id));
}
