import { createServer, type Server } from 'node:http';
import { z } from 'zod';

// The Events API v2 event shape as PagerDuty documents it (developer.pagerduty.com, "Send an Alert Event"), written
// here independently of channels/pagerduty.ts so that the fake checks what Lifeboat sends rather than echoing it.
const Link = z.strictObject({ href: z.url(), text: z.string().optional() });
const Payload = z.strictObject({
  summary: z.string().min(1).max(1024),
  source: z.string().min(1),
  severity: z.enum(['critical', 'error', 'warning', 'info']),
  timestamp: z.iso.datetime().optional(),
  component: z.string().optional(),
  group: z.string().optional(),
  class: z.string().optional(),
  custom_details: z.record(z.string(), z.unknown()).optional(),
});
const common = { routing_key: z.string().length(32), dedup_key: z.string().min(1).max(255) };
export const PagerDutyEvent = z.discriminatedUnion('event_action', [
  z.strictObject({
    ...common,
    event_action: z.literal('trigger'),
    payload: Payload,
    links: z.array(Link).optional(),
    images: z.array(z.unknown()).optional(),
    client: z.string().optional(),
    client_url: z.url().optional(),
  }),
  z.strictObject({ ...common, event_action: z.enum(['acknowledge', 'resolve']) }),
]);
export type PagerDutyEvent = z.infer<typeof PagerDutyEvent>;

/** One request the fake got: the event if it was valid, and what it answered. */
export interface ReceivedEvent {
  path: string;
  event: PagerDutyEvent | undefined;
  problems: string[];
  answered: number;
}

/**
 * A local stand-in for https://events.pagerduty.com/v2/enqueue: answers 202 with PagerDuty's success body to a valid
 * event, 400 with its "invalid event" body to anything else, or the next status from `statuses` when one is queued.
 */
export async function startPagerDuty() {
  const received: ReceivedEvent[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        json = undefined;
      }
      const parsed = PagerDutyEvent.safeParse(json);
      const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      const answered = statuses.shift() ?? (parsed.success ? 202 : 400);
      received.push({ path: req.url ?? '', event: parsed.success ? parsed.data : undefined, problems, answered });
      const body =
        answered === 202
          ? { status: 'success', message: 'Event processed', dedup_key: parsed.success ? parsed.data.dedup_key : '' }
          : answered === 400
            ? { status: 'invalid event', message: 'Event object is invalid', errors: problems }
            : { status: 'error' };
      res.writeHead(answered, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    received,
    /** Answers the next requests with these statuses, whatever they hold. */
    answerNext: (...codes: number[]) => statuses.push(...codes),
    /** The events about one run (their dedup keys start with its id). */
    eventsOf: (runId: string) => received.filter((r) => r.event?.dedup_key.startsWith(runId)).map((r) => r.event!),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
