import { durationMs } from '../model/duration';
import { attemptActivities, dispatched } from './proxy';
import { defineAction, type Outcome } from './kit';

/** `check`: polls an HTTP endpoint until a condition on its status or body holds, or the step times out. */
export const check = defineAction({
  with: (k) =>
    k.z
      .strictObject({
        url: k.Url,
        method: k.HttpMethod.default('GET'),
        headers: k.Headers.optional(),
        every: k.Duration.default('5s'),
        until: k.CheckUntil,
      })
      .meta({ id: 'RunbookCheckWith' }),
  resultFields: ['status', 'headers', 'body'],
  timeoutMs: 15 * 60_000,
  expectedMs: () => 5 * 60_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: true,
  mayBeUndo: true,
  human: false,
  secrets: { in: ['url', 'headers'], host: 'url' },
  async run(step, ctx): Promise<Outcome> {
    const w = step.with;
    const call = attemptActivities(ctx.timeoutMs).checkHttp({
      method: w.method,
      url: w.url,
      headers: w.headers,
      everyMs: durationMs(w.every),
      until: w.until,
      timeoutMs: ctx.timeoutMs,
      secrets: step.secrets ?? [],
    });
    const result = await dispatched(ctx, call);
    return { kind: 'succeeded', result };
  },
});
