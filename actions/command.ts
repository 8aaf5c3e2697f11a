import { loaderVariable, loaderVariableProblem } from '../model/command-env';
import { attemptActivities, attemptInput, succeedsWithCall } from './proxy';
import { defineAction, type Outcome } from './kit';

/** `command`: runs an allow-listed executable with an argv array (never a shell) on the worker. */
export const command = defineAction({
  with: (k) =>
    k.z
      .strictObject({
        argv: k.z.array(k.z.string()).min(1).describe("The program and its arguments, without a shell; argv[0] must be on the worker's LIFEBOAT_COMMAND_ALLOWLIST."),
        cwd: k.z.string().min(1).optional().describe("The working directory, under the worker's LIFEBOAT_COMMAND_ROOTS."),
        env: k.z.record(k.Name, k.z.string()).optional().describe('Environment variables for the program (no PATH, LD_* or other loader variables).'),
      })
      .superRefine((w, ctx) => {
        for (const name of Object.keys(w.env ?? {})) if (loaderVariable(name)) ctx.addIssue({ code: 'custom', path: ['env', name], message: loaderVariableProblem(name) });
      })
      .meta({ id: 'RunbookCommandWith', description: "The command step's program: argv, and optionally cwd and env." }),
  resultFields: ['exitCode', 'stdout', 'stderr'],
  timeoutMs: 10 * 60_000,
  expectedMs: () => 60_000,
  exactEstimate: false,
  drill: 'run',
  mayHaveUndo: true,
  mayBeUndo: true,
  human: false,
  secrets: { in: ['argv', 'env'] },
  // One activity (the engine makes the call itself since PATCH.leanSteps); `run` awaits the same call as before.
  call(step, ctx, records) {
    const w = step.with;
    return attemptActivities(ctx.timeoutMs).runCommand({
      argv: w.argv,
      cwd: w.cwd,
      env: w.env,
      idempotencyKey: ctx.key,
      ...attemptInput(step, ctx, records),
    });
  },
  run(step, ctx): Promise<Outcome> {
    return succeedsWithCall(ctx, (records) => this.call!(step, ctx, records));
  },
});
