import type { z } from 'zod';
import { formatDuration } from '../model/duration';
import { RunRecord, RunState } from '../contract/run';
import { StoredTimelineEvent } from '../timeline/event';
import { ApiError, apiPath, type Api } from './api';
import { eventLine, progressLine, waitingLines } from './events';
import { CliIo, EXIT } from './io';
import { SseParser } from './sse';

/** GET /runs/:id: the record with the live state. */
export const RunDetail = RunRecord.extend({ state: RunState.nullable() });
export type RunDetail = z.infer<typeof RunDetail>;

const RECONNECTS = 5;

/**
 * Prints the run's timeline live (GET /runs/:id/events) with its progress and what it waits for, until the run
 * ends; answers the final run. A dropped stream is resumed with Last-Event-ID.
 */
export async function followRun(api: Api, runId: string, io: CliIo): Promise<RunDetail> {
  let lastId: string | undefined;
  let shown = '';
  const refresh = async (): Promise<RunDetail> => {
    const run = await api.call(RunDetail, 'GET', apiPath('runs', runId));
    if (run.state) {
      const lines = [progressLine(run.state), ...waitingLines(run.state)].join('\n');
      if (lines !== shown) io.stdout.write(`${lines}\n`);
      shown = lines;
    }
    return run;
  };
  for (let reconnects = 0; ; reconnects++) {
    const res = await api.send('GET', apiPath('runs', runId, 'events'), { accept: 'text/event-stream', headers: lastId ? { 'last-event-id': lastId } : {} });
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) {
      let changed = false;
      for (const m of parser.push(decoder.decode(chunk, { stream: true }))) {
        if (m.event === 'end') return refresh();
        if (m.event === 'error') io.stderr.write(`lifeboat: ${m.data}\n`);
        if (m.event !== 'message') continue;
        const event = StoredTimelineEvent.safeParse(jsonOrUndefined(m.data));
        if (!event.success) continue;
        lastId = m.id;
        io.stdout.write(`${eventLine(event.data)}\n`);
        changed ||= event.data.stepId !== undefined || event.data.type.startsWith('run.');
      }
      // Once per chunk, not per event: replaying a long timeline asks for the state once per burst.
      if (changed) await refresh();
    }
    if (reconnects >= RECONNECTS)
      throw new ApiError(`the event stream of run ${runId} closed ${RECONNECTS + 1} times before the run ended; follow it again with lifeboat status ${runId}`, EXIT.unavailable);
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

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
