/** Where a command writes; tests pass string buffers, bin/lifeboat.js passes process.stdout/stderr. */
export type Output = { write(chunk: string): unknown };
export type CliIo = { stdout: Output; stderr: Output; cwd?: string };

/** One `lifeboat <name>` subcommand: returns its exit code instead of exiting, so it can be tested in-process. */
export type Command = {
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
};

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A command-line mistake: reported with the command's usage and exit code 2. */
export class UsageError extends Error {}
