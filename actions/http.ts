import { attemptActivities, attemptInput, succeedsWithCall } from './proxy';
import { defineAction, type Outcome } from './kit';

/** `http`: one HTTP request; succeeds on 2xx or on one of `expect`. */
export const http = defineAction({
  with: (k) =>
    k.z
      .strictObject({
        method: k.HttpMethod.default('GET').describe('The HTTP method (default GET).'),
        url: k.Url.describe('Where to send the request: an http(s) URL, templates allowed.'),
        headers: k.Headers.optional().describe('Request headers; values may use templates and secrets.'),
        json: k.z.unknown().optional().describe('A body sent as JSON (or set body; not both).'),
        body: k.z.string().optional().describe('A raw text body (or set json; not both).'),
        expect: k.z
          .union([k.StatusCode, k.z.array(k.StatusCode).min(1)], { error: 'expected a status code such as 200, or a list of them' })
          .optional()
          .describe('The status (or list of statuses) that counts as success; default: any 2xx.'),
      })
      .refine((w) => w.json === undefined || w.body === undefined, { error: 'set json or body, not both', path: ['body'] })
      .meta({ id: 'RunbookHttpWith', description: "The http step's request: method, url, headers, a json or text body, and the statuses that count as success." }),
  resultFields: ['status', 'headers', 'body'],
  timeoutMs: 60_000,
  expectedMs: () => 10_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: true,
  mayBeUndo: true,
  human: false,
  secrets: { in: ['url', 'headers', 'json', 'body'], host: 'url' },
  // One activity (the engine makes the call itself since PATCH.leanSteps); `run` awaits the same call as before.
  call(step, ctx, records) {
    const w = step.with;
    const expect = w.expect === undefined ? undefined : Array.isArray(w.expect) ? w.expect : [w.expect];
    return attemptActivities(ctx.timeoutMs).httpRequest({
      method: w.method,
      url: w.url,
      headers: w.headers,
      json: w.json,
      body: w.body,
      expect,
      idempotencyKey: ctx.key,
      ...attemptInput(step, ctx, records),
    });
  },
  run(step, ctx): Promise<Outcome> {
    return succeedsWithCall(ctx, (records) => this.call!(step, ctx, records));
  },
});
