/** Where a command writes; tests pass string buffers, bin/lifeboat.js passes process.stdout/stderr. */
export type Output = { write(chunk: string): unknown };

/**
 * What a command may touch, injected so commands run in-process under test: output streams, the working
 * directory, the environment (LIFEBOAT_URL, LIFEBOAT_TOKEN) and fetch. Unset ones default to the process's own.
 */
export type CliIo = {
  stdout: Output;
  stderr: Output;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
  /** `--profile NAME` (main takes it off the command line): which site of the profile file to talk to. */
  profile?: string;
  /** How a dropped event stream is reconnected (tests shorten it): first wait, longest wait, attempts in a row. */
  reconnect?: { firstMs: number; maxMs: number; attempts: number };
};

/** One `lifeboat <name>` subcommand: returns its exit code instead of exiting, so it can be tested in-process. */
export type Command = {
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
};

/**
 * Exit codes scripts can rely on (docs/cli.md): 0 success; 1 the run failed or the API refused the request (4xx);
 * 2 a usage error; 3 the API cannot be reached or failed (5xx).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

/** A command-line mistake: reported with the command's usage and exit code 2. */
export class UsageError extends Error {}

/** A failure reported as one line on stderr with its exit code (no usage, no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
