import { durationMs } from '../model/duration';
import { attemptActivities, attemptInput, succeedsWithCall } from './proxy';
import { defineAction, type Outcome } from './kit';

/** `check`: polls an HTTP endpoint until a condition on its status or body holds, or the step times out. */
export const check = defineAction({
  with: (k) =>
    k.z
      .strictObject({
        url: k.Url.describe('The endpoint to poll: an http(s) URL, templates allowed.'),
        method: k.HttpMethod.default('GET').describe('The HTTP method (default GET).'),
        headers: k.Headers.optional().describe('Request headers; values may use templates and secrets.'),
        every: k.Duration.default('5s').describe("How often to poll (default 5s); the step's timeout ends the polling."),
        until: k.CheckUntil.describe('The condition that ends the check successfully.'),
      })
      .meta({ id: 'RunbookCheckWith', description: "The check step's polling: the endpoint, how often, and the condition that ends it." }),
  resultFields: ['status', 'headers', 'body'],
  timeoutMs: 15 * 60_000,
  expectedMs: () => 5 * 60_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: true,
  mayBeUndo: true,
  human: false,
  secrets: { in: ['url', 'headers'], host: 'url' },
  // One activity (the engine makes the call itself since PATCH.leanSteps); `run` awaits the same call as before.
  call(step, ctx, records) {
    const w = step.with;
    return attemptActivities(ctx.timeoutMs).checkHttp({
      method: w.method,
      url: w.url,
      headers: w.headers,
      everyMs: durationMs(w.every),
      until: w.until,
      ...attemptInput(step, ctx, records),
    });
  },
  run(step, ctx): Promise<Outcome> {
    return succeedsWithCall(ctx, (records) => this.call!(step, ctx, records));
  },
});
