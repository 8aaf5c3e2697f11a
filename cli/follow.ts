import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { formatDuration } from '../model/duration';
import { RunRecord, RunState } from '../contract/run';
import { LastEventId } from '../runs/follow';
import { StoredTimelineEvent } from '../timeline/event';
import { ApiError, apiFor, apiPath, causeOf, type Api } from './api';
import { checkedOption, parseCommandArgs } from './args';
import { eventLine, progressLine, waitingLines } from './events';
import { CliIo, Command, EXIT, UsageError } from './io';
import { SseParser } from './sse';

/** GET /runs/:id: the record with the live state. */
export const RunDetail = RunRecord.extend({ state: RunState.nullable() });
export type RunDetail = z.infer<typeof RunDetail>;

const RECONNECT = { firstMs: 500, maxMs: 15_000, attempts: 10 };

/** The stream ended, or failed, before the run did. */
class StreamDropped extends Error {}

// Refusals that reconnecting cannot change (no such run, no token, no role); anything else may pass.
const permanent = (err: unknown) => err instanceof ApiError && err.status !== undefined && err.status < 500 && err.status !== 429;

/**
 * Prints the run's timeline live (GET /runs/:id/events) from after event `afterSeq` (from the start without it),
 * with its progress and what it waits for, until the run ends; answers the final run. When the stream drops or the
 * API cannot be reached, it says so in one line on stderr and reconnects with backoff, resuming after the last
 * event it printed (Last-Event-ID). With `json`, each event is one line `{"event": …}` and progress is left out.
 */
export async function followRun(api: Api, runId: string, io: CliIo, o: { afterSeq?: number; json?: boolean } = {}): Promise<RunDetail> {
  const retry = io.reconnect ?? RECONNECT;
  let lastId = o.afterSeq === undefined ? undefined : String(o.afterSeq);
  let shown = '';
  const refresh = async (): Promise<RunDetail> => {
    const run = await api.call(RunDetail, 'GET', apiPath('runs', runId));
    if (run.state && !o.json) {
      const lines = [progressLine(run.state), ...waitingLines(run.state)].join('\n');
      if (lines !== shown) io.stdout.write(`${lines}\n`);
      shown = lines;
    }
    return run;
  };
  for (let failures = 0; ;) {
    try {
      const res = await api.send('GET', apiPath('runs', runId, 'events'), { accept: 'text/event-stream', headers: lastId ? { 'last-event-id': lastId } : {} });
      const parser = new SseParser();
      const decoder = new TextDecoder();
      for await (const chunk of res.body ?? []) {
        let changed = false;
        for (const m of parser.push(decoder.decode(chunk, { stream: true }))) {
          if (m.event === 'end') return await refresh();
          if (m.event === 'error') throw new StreamDropped(detailOf(m.data));
          if (m.event !== 'message') continue;
          const event = StoredTimelineEvent.safeParse(jsonOrUndefined(m.data));
          if (!event.success) continue;
          lastId = m.id;
          failures = 0;
          io.stdout.write(o.json ? `${JSON.stringify({ event: event.data })}\n` : `${eventLine(event.data)}\n`);
          changed ||= event.data.stepId !== undefined || event.data.type.startsWith('run.');
        }
        // Once per chunk, not per event: replaying a long timeline asks for the state once per burst.
        if (changed) await refresh();
      }
      throw new StreamDropped('the API closed the stream before the run ended');
    } catch (err) {
      if (permanent(err)) throw err;
      failures++;
      const reason = err instanceof StreamDropped ? err.message : err instanceof ApiError ? err.message : causeOf(err);
      const resume = `lifeboat follow ${runId}${lastId ? ` --after ${lastId}` : ''}`;
      if (failures > retry.attempts)
        throw new ApiError(`gave up following run ${runId} after ${retry.attempts} reconnects (${reason}); the run goes on: ${resume}`, EXIT.unavailable);
      const wait = Math.min(retry.maxMs, retry.firstMs * 2 ** (failures - 1));
      const after = lastId ? `after event #${lastId}` : 'from the start';
      io.stderr.write(
        `lifeboat: the event stream of run ${runId} dropped (${reason}); reconnecting in ${formatDuration(wait)}, ${after} (attempt ${failures} of ${retry.attempts})\n`,
      );
      await delay(wait);
    }
  }
}

/** `run … completed in 12s; recovery 10s against an RTO of 5m (met)`. */
export function outcomeLine(run: RunDetail): string {
  const took = run.finishedAt ? ` in ${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}` : '';
  const r = run.recovery;
  const recovery =
    r?.achievedMs === undefined
      ? ''
      : `; recovery ${formatDuration(r.achievedMs)}${r.targetMs === undefined ? '' : ` against an RTO of ${formatDuration(r.targetMs)} (${r.breached ? 'BREACHED' : 'met'})`}`;
  return `run ${run.runId} ${run.status}${took}${recovery}${run.error ? `: ${run.error}` : ''}`;
}

/** The end of `run` and `follow`: the outcome line (or `{"run": …}` with --json) and the exit code. */
export function finish(run: RunDetail, io: CliIo, json: boolean | undefined): number {
  io.stdout.write(json ? `${JSON.stringify({ run })}\n` : `${outcomeLine(run)}\n`);
  return run.status === 'completed' ? EXIT.ok : EXIT.failed;
}

function detailOf(data: string): string {
  const error = jsonOrUndefined(data);
  const detail: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'detail') : undefined;
  return typeof detail === 'string' ? detail : data;
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const usage = 'lifeboat follow <runId> [--after SEQ] [--json]';

/** `lifeboat follow`: re-attaches to a run's live timeline, from the start or after event #SEQ. */
export const followCommand: Command = {
  summary: "re-attach to a run's live timeline (from the start, or --after the last event you saw) until it ends",
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, { after: { type: 'string' } });
    const [runId, ...extra] = positionals;
    if (runId === undefined || extra.length > 0) throw new UsageError('name exactly one run');
    const afterSeq = values.after === undefined ? undefined : checkedOption(LastEventId, '--after', values.after);
    const run = await followRun(apiFor(io), runId, io, { afterSeq, json: values.json });
    return finish(run, io, values.json);
  },
};
