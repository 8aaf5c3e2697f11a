import type { Client } from '@temporalio/client';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { assertRunExists, followTimeline, LastEventId } from '../../runs/follow';
import type { Db } from '../../store/connection';
import { parseOr400 } from '../errors';
import { addRoute } from '../route';
import { StoredTimelineEvent } from '../../timeline/event';
import { RunIdParams } from './runs';
import type { StreamLimiter } from '../security';

/** The last event of a stream: the run has ended, with this status. */
const StreamEnd = z
  .object({ runId: z.string(), status: z.string().meta({ description: "The run's final status: completed, failed, aborted… (or Temporal's, e.g. terminated)." }) })
  .meta({ id: 'RunStreamEnd' });
/** Sent instead of more events when reading the timeline failed; reconnect with Last-Event-ID. */
const StreamError = z.object({ detail: z.string() }).meta({ id: 'RunStreamError' });

/** One Server-Sent Events frame; data is one line of JSON, so it needs no splitting. */
export function sseFrame(f: { id?: number; event?: string; data: unknown }): string {
  return `${f.id === undefined ? '' : `id: ${f.id}\n`}${f.event ? `event: ${f.event}\n` : ''}data: ${JSON.stringify(f.data)}\n\n`;
}

/** GET /runs/:id/events: the live timeline as Server-Sent Events. */
export function eventsRouter(deps: { db: Db; client: Client }, o: { pollMs?: number; heartbeatMs?: number; limiter?: StreamLimiter } = {}): Router {
  const router = Router();
  const pollMs = o.pollMs ?? 500;
  const heartbeatMs = o.heartbeatMs ?? 15_000;

  addRoute(
    router,
    {
      method: 'get',
      path: '/runs/:id/events',
      operationId: 'streamRunEvents',
      tag: 'runs',
      access: 'viewer',
      summary: "The run's timeline as Server-Sent Events, live until the run ends",
      description:
        'Sends every stored event in order (`id` is its seq, `data` the event as JSON), then each new one as it is ' +
        "stored, then `event: end` with the run's final status once the run has ended and its last event was sent. " +
        'Reconnect with `Last-Event-ID` to resume after an event. A comment line is sent every 15 s to keep proxies from ' +
        'closing the stream.',
      params: RunIdParams,
      headers: [{ name: 'Last-Event-ID', description: 'Resume after this event seq.', schema: LastEventId }],
      responses: {
        200: {
          description: 'An event stream: `message` events (the timeline), then one `end`, or an `error`.',
          contentType: 'text/event-stream',
          events: {
            message: { description: 'A stored timeline event; `id` is its seq.', data: StoredTimelineEvent, id: true },
            end: { description: 'The run has ended and every event was sent; the server closes the stream.', data: StreamEnd },
            error: { description: 'Reading the timeline failed; reconnect with Last-Event-ID.', data: StreamError },
          },
        },
        404: { description: 'No such run.' },
        429: { description: 'This token has as many event streams open as LIFEBOAT_SSE_PER_TOKEN allows.' },
        503: { description: 'The API has as many event streams open as LIFEBOAT_SSE_TOTAL allows.' },
      },
    },
    async ({ params, req, res }) => {
      const after = parseOr400(LastEventId.optional(), req.get('last-event-id'), 'headers.Last-Event-ID') ?? 0;
      await assertRunExists(deps, params.id); // before the headers go out, so an unknown run is a plain 404
      // Counted from here until the connection closes: each open stream holds a poller, so their number is capped.
      const release = o.limiter?.open(req.headers.authorization) ?? (() => undefined);
      res.on('close', release);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
      res.write('retry: 2000\n\n');
      const gone = new AbortController();
      res.on('close', () => gone.abort());
      const heartbeat = setInterval(() => gone.signal.aborted || res.write(': heartbeat\n\n'), heartbeatMs);
      try {
        for await (const item of followTimeline(deps, params.id, { afterSeq: after, pollMs, signal: gone.signal })) {
          if (item.kind === 'event') res.write(sseFrame({ id: item.event.seq, data: item.event }));
          else res.write(sseFrame({ event: 'end', data: StreamEnd.parse({ runId: params.id, status: item.status }) }));
        }
      } catch (err) {
        streamFailed(res, params.id, err);
      } finally {
        clearInterval(heartbeat);
        res.end();
      }
    },
  );

  return router;
}

// The status line has gone out, so a failure cannot become problem+json: it is logged and told in the stream.
function streamFailed(res: Response, runId: string, err: unknown): void {
  res.log.error({ err, runId }, 'event stream failed');
  const data: z.infer<typeof StreamError> = { detail: 'the event stream failed; reconnect with Last-Event-ID to resume' };
  if (!res.writableEnded) res.write(sseFrame({ event: 'error', data }));
}
