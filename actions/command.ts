import { attemptActivities, dispatched } from './proxy';
import { defineAction, type Outcome } from './kit';

/** `command`: runs an allow-listed executable with an argv array (never a shell) on the worker. */
export const command = defineAction({
  with: (k) =>
    k.z
      .strictObject({
        argv: k.z.array(k.z.string()).min(1),
        cwd: k.z.string().min(1).optional(),
        env: k.z.record(k.Name, k.z.string()).optional(),
      })
      .meta({ id: 'RunbookCommandWith' }),
  resultFields: ['exitCode', 'stdout', 'stderr'],
  timeoutMs: 10 * 60_000,
  expectedMs: () => 60_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: true,
  mayBeUndo: true,
  human: false,
  async run(step, ctx): Promise<Outcome> {
    const call = attemptActivities(ctx.timeoutMs).runCommand({ argv: step.with.argv, cwd: step.with.cwd, env: step.with.env, idempotencyKey: ctx.key, timeoutMs: ctx.timeoutMs });
    const result = await dispatched(ctx, call);
    return { kind: 'succeeded', result };
  },
});
