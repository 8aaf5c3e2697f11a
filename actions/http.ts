import { attemptActivities, dispatched } from './proxy';
import { defineAction, type Outcome } from './kit';

/** `http`: one HTTP request; succeeds on 2xx or on one of `expect`. */
export const http = defineAction({
  with: (k) =>
    k.z
      .strictObject({
        method: k.HttpMethod.default('GET'),
        url: k.Url,
        headers: k.Headers.optional(),
        json: k.z.unknown().optional(),
        body: k.z.string().optional(),
        expect: k.z.union([k.StatusCode, k.z.array(k.StatusCode).min(1)], { error: 'expected a status code such as 200, or a list of them' }).optional(),
      })
      .refine((w) => w.json === undefined || w.body === undefined, { error: 'set json or body, not both', path: ['body'] })
      .meta({ id: 'RunbookHttpWith' }),
  resultFields: ['status', 'headers', 'body'],
  timeoutMs: 60_000,
  expectedMs: () => 10_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: true,
  mayBeUndo: true,
  human: false,
  secrets: { in: ['url', 'headers', 'json', 'body'], host: 'url' },
  async run(step, ctx): Promise<Outcome> {
    const w = step.with;
    const expect = w.expect === undefined ? undefined : Array.isArray(w.expect) ? w.expect : [w.expect];
    const call = attemptActivities(ctx.timeoutMs).httpRequest({
      method: w.method,
      url: w.url,
      headers: w.headers,
      json: w.json,
      body: w.body,
      expect,
      idempotencyKey: ctx.key,
      timeoutMs: ctx.timeoutMs,
      secrets: step.secrets ?? [],
    });
    const result = await dispatched(ctx, call);
    return { kind: 'succeeded', result };
  },
});
