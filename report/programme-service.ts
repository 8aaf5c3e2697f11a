// What the drill programme is read from, for GET /programme, `lifeboat programme`, the programme gauges and the
// overdue check. Store reads only: no Temporal call per run (the run records say how each drill ended) and, for
// schedules, one listing for all runbooks.
//
// Round trips to the store per runbook, FerretDB v1 pushing down only `{_id}` filters:
//  - listing: 2 (the head and the next version's _id, listRunbooks' walk), or 3 when runbooks are named (getVersionInfo);
//  - 1 point read of the latest version (title, owner, drill.every, parsed alone);
//  - 1 point read of the newest drill's record, found for every runbook at once by one read of the drills' ids and start
//    times (newestDrills: one scan of `runs` in all); for named runbooks, one findRuns limit 1 each instead;
//  - none for open actions: every runbook's from one read of `findings` (for named runbooks, one read each);
//  - 1 point read of version 1, only for a runbook with a cadence that was never drilled (due from its registration);
//  - 1 point read of the notice, only for an overdue runbook, unless `notices: false`.
// So 4 to 6 per runbook, at most CONCURRENCY runbooks at a time; plus the listing, the reads of drills and findings
// and one Temporal schedule listing when asked.
import { z } from 'zod';
import type { RunRecord } from '../contract/run';
import { DomainError } from '../runs/errors';
import type { Db } from '../store/connection';
import { drillNoticeId, getDrillNotice, type DrillNoticeDoc } from '../store/programme';
import { getVersionFields, getVersionInfo, listRunbooks } from '../store/registry';
import { findRuns, getRun, newestDrills } from '../store/runs';
import { Cadence } from '../model/exercise';
import { deliveryStatus } from './build';
import type { Finding } from './finding';
import { openActions, openActionsByRunbook } from './findings';
import { cadenceDue, programmeEntry, type Programme, type ProgrammeEntry, type ProgrammeNotice } from './programme';

/** The schedules that drill runbooks, as ScheduleService.upcoming lists them. */
export type UpcomingDrills = () => Promise<Array<{ id: string; runbook: string; paused: boolean; nextAt?: string }>>;

export interface ProgrammeOptions {
  /** ISO-8601; default now. The overdue check passes its own (a Temporal workflow's clock, or a test's). */
  now?: string;
  /** Only these runbooks (404 for one that is not registered); default every registered runbook. */
  runbooks?: string[];
  /** Read open actions (default true); the gauges do not need them. */
  actions?: boolean;
  /** Read the overdue notices (default true). */
  notices?: boolean;
}

const CONCURRENCY = 8;

// The fields the programme shows, read without validating the whole runbook; a field of the wrong shape reads as unset.
const ProgrammeFields = z.object({
  title: z.string(),
  owner: z.string().optional().catch(undefined),
  drill: z.object({ every: Cadence.optional() }).optional().catch(undefined),
});

/** The drill programme: every registered runbook (or those named), by id. */
export async function readProgramme(deps: { db: Db; upcoming?: UpcomingDrills }, o: ProgrammeOptions = {}): Promise<Programme> {
  const now = o.now ?? new Date().toISOString();
  const [heads, schedules, newest, open] = await Promise.all([
    runbookHeads(deps.db, o.runbooks),
    deps.upcoming ? deps.upcoming() : Promise.resolve([]),
    // Every runbook: the newest drills and the open actions from one read of `runs` and `findings` each; a few named
    // ones: one limited read of each per runbook.
    o.runbooks ? Promise.resolve(undefined) : newestDrills(deps.db),
    o.runbooks || o.actions === false ? Promise.resolve(undefined) : openActionsByRunbook(deps.db),
  ]);
  const actionsOf = async (id: string) => (o.actions === false ? [] : open ? (open.get(id) ?? []) : openActions(deps.db, id));
  const lastDrill = async (id: string) => {
    if (!newest) return (await findRuns(deps.db, { runbookId: id, mode: 'drill' }, 1))[0];
    const runId = newest.get(id);
    return runId === undefined ? undefined : getRun(deps.db, runId);
  };
  const entries = await mapLimit(heads, CONCURRENCY, async (head) =>
    entryOf(deps.db, head, {
      lastDrill,
      actionsOf,
      now,
      schedules: schedules.filter((s) => s.runbook === head.id).map(({ runbook: _r, ...s }) => s),
      notices: o.notices !== false,
    }),
  );
  return { generatedAt: now, runbooks: entries.flatMap((e) => (e ? [e] : [])) };
}

async function runbookHeads(db: Db, ids: string[] | undefined): Promise<Array<{ id: string; latest: number }>> {
  if (!ids) return listRunbooks(db);
  return mapLimit([...new Set(ids)].sort(), CONCURRENCY, async (id) => {
    const info = await getVersionInfo(db, id);
    if (!info) throw new DomainError('not-found', `runbook ${id} is not registered; list runbooks with GET /runbooks`);
    return { id, latest: info.version };
  });
}

async function entryOf(
  db: Db,
  head: { id: string; latest: number },
  o: {
    lastDrill: (id: string) => Promise<RunRecord | undefined>;
    actionsOf: (id: string) => Promise<Finding[]>;
    now: string;
    schedules: ProgrammeEntry['schedules'];
    notices: boolean;
  },
): Promise<ProgrammeEntry | undefined> {
  const [version, lastDrill, actions] = await Promise.all([getVersionFields(db, head.id, head.latest, ProgrammeFields), o.lastDrill(head.id), o.actionsOf(head.id)]);
  if (!version) return undefined; // removed or unreadable since it was listed
  const { title, owner, drill } = version.fields;
  const runbook = { id: head.id, title, version: head.latest, owner, every: drill?.every };
  // A runbook never drilled is due `every` after it was first registered.
  const registeredAt = !lastDrill && runbook.every ? ((await getVersionFields(db, head.id, 1, z.object({})))?.createdAt ?? version.createdAt) : undefined;
  const due = cadenceDue({ runbook, registeredAt, lastDrill });
  const overdue = due !== undefined && Date.parse(due) <= Date.parse(o.now);
  const notice = overdue && o.notices ? await getDrillNotice(db, drillNoticeId(head.id, due)) : undefined;
  return programmeEntry({ runbook, registeredAt, lastDrill, schedules: o.schedules, openActions: actions, notice: notice && noticeView(notice), now: o.now });
}

/** A recorded notice as the programme shows it: each delivery in the report's words ("sent", "failed after 3 tries"). */
export function noticeView(doc: DrillNoticeDoc): ProgrammeNotice {
  return {
    dueAt: doc.dueAt,
    createdAt: doc.createdAt,
    recipients: doc.recipients,
    ...(doc.sentAt ? { sentAt: doc.sentAt } : {}),
    deliveries: doc.outcomes.map((d) => ({
      at: d.at,
      event: 'drill.overdue',
      channel: d.channel,
      target: d.target,
      sent: d.sent,
      tries: d.tries,
      delivery: deliveryStatus(d.sent, d.tries, d.duplicate),
      error: d.error,
    })),
  };
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
