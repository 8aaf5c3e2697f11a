import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { SignedHead } from '../contract/run';
import type { Anchors } from '../timeline/evidence';

type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

/**
 * The signed timeline heads Temporal holds for a run, oldest first: every `appendTimelineEvents` result in the
 * histories of its workflow executions (following continue-as-new back to the first), and the final head from the
 * workflow's result once it completed. Read from Temporal, never from the database the chain is stored in.
 */
export async function temporalAnchors(client: Client, runId: string): Promise<Anchors> {
  const known = closed.get(runId);
  if (known) return known;
  const heads: SignedHead[] = [];
  let final = false;
  let ended = false;
  let execution: string | undefined;
  for (let latest = true; ; latest = false) {
    const history = await fetchHistory(client, runId, execution);
    if (!history) break;
    const scheduled = new Map<string, string>();
    const found: SignedHead[] = [];
    let previous: string | undefined;
    for (const e of history.events ?? []) {
      const started = e.workflowExecutionStartedEventAttributes;
      if (started) previous = started.continuedExecutionRunId || undefined;
      const s = e.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
      const done = e.activityTaskCompletedEventAttributes;
      // A step's activity that stored the run's events beside its work answers their head too (activities/carried.ts).
      if (done) found.push(...(scheduled.get(String(done.scheduledEventId)) === 'appendTimelineEvents' ? headIn(done.result) : carriedHeadIn(done.result)));
      if (latest && (e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes || e.workflowExecutionTerminatedEventAttributes)) ended = true;
      if (latest && (e.workflowExecutionTimedOutEventAttributes || e.workflowExecutionCanceledEventAttributes)) ended = true;
      const completed = e.workflowExecutionCompletedEventAttributes;
      if (completed && latest) {
        const head = headIn(completed.result);
        found.push(...head);
        final = head.length > 0;
      }
    }
    heads.unshift(...found);
    if (!previous) break;
    execution = previous;
  }
  const anchors: Anchors = { heads, final, source: 'Temporal' };
  if (ended) keep(runId, anchors);
  return anchors;
}

// The anchors of runs whose workflow has closed: Temporal never changes a closed history, and reading one is the
// slow part of verifying a long run (a history holds every append's result). Bounded by runs and by heads (about
// 400 bytes each: some 8 MB in all, whatever the runs' length); the oldest entry goes first, and a run with more
// heads than a tenth of the bound is read from Temporal each time.
const CLOSED_RUNS = 1000;
const CLOSED_HEADS = 20_000;
const closed = new Map<string, Anchors>();
let closedHeads = 0;

function keep(runId: string, anchors: Anchors): void {
  if (closed.has(runId) || anchors.heads.length > CLOSED_HEADS / 10) return;
  closed.set(runId, anchors);
  closedHeads += anchors.heads.length;
  for (const [id, kept] of closed) {
    if (closed.size <= CLOSED_RUNS && closedHeads <= CLOSED_HEADS) break;
    closed.delete(id);
    closedHeads -= kept.heads.length;
  }
}

// A history is read in pages of at most this many events, fewer when a page would not fit in one gRPC message (4 MB
// by default): a wide run's events carry its steps' inputs, and a continued run's first event its whole runbook, so
// the server's default page (1,000 events) of such a run is larger than a client may receive.
const PAGE_EVENTS = 100;

async function fetchHistory(client: Client, runId: string, execution: string | undefined): Promise<{ events: temporal.api.history.v1.IHistoryEvent[] } | undefined> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  let pageSize = PAGE_EVENTS;
  for (;;) {
    let page: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse;
    try {
      page = await client.workflowService.getWorkflowExecutionHistory({
        namespace: client.options.namespace,
        execution: { workflowId: runId, runId: execution },
        maximumPageSize: pageSize,
        nextPageToken,
      });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // Not in Temporal (never started there, or past the namespace's retention): no anchors to check against.
      if (err instanceof WorkflowNotFoundError || code === GRPC_NOT_FOUND) return undefined;
      // The page was larger than a gRPC message: read the same page again, smaller.
      if (code === GRPC_RESOURCE_EXHAUSTED && pageSize > 1) {
        pageSize = Math.max(1, Math.floor(pageSize / 4));
        continue; // the same page again
      }
      throw err;
    }
    events.push(...(page.history?.events ?? []));
    if (!page.nextPageToken?.length) return { events };
    nextPageToken = page.nextPageToken;
  }
}

const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_NOT_FOUND = 5;

/** The signed head in an activity's or the workflow's result (`{ anchor }`), if it carries one (verification checks its run). */
function headIn(payloads: Payloads): SignedHead[] {
  return anchorIn(resultOf(payloads));
}

/** The signed head a step's activity answers in `records` (`{ result, dispatch, records: { anchor } }`), if any. */
function carriedHeadIn(payloads: Payloads): SignedHead[] {
  const value = resultOf(payloads);
  return typeof value === 'object' && value !== null && 'dispatch' in value && 'records' in value ? anchorIn(value.records) : [];
}

function resultOf(payloads: Payloads): unknown {
  const payload = payloads?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

function anchorIn(value: unknown): SignedHead[] {
  const parsed = SignedHead.safeParse(typeof value === 'object' && value !== null && 'anchor' in value ? value.anchor : undefined);
  return parsed.success ? [parsed.data] : [];
}
