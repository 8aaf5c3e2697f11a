import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE } from '../contract/names';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ActivityDeps } from './deps';
import { runDispatch, type Dispatched } from './dispatch';
import { withSecrets } from './secrets';

export interface CommandRequest {
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Given to the process as LIFEBOAT_IDEMPOTENCY_KEY, so a script can recognise a repeat of the same execution. */
  idempotencyKey?: string;
  /** The step's timeout: the process is killed there. */
  timeoutMs: number;
}
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const MAX_OUTPUT = 256 * 1024;

/** Runs an allow-listed executable with an argv array (never a shell); killed when the step times out. */
export function commandActivities({ config, env }: ActivityDeps) {
  return {
    async runCommand(input: CommandRequest): Promise<Dispatched<CommandResult>> {
      const [exe, ...args] = withSecrets(input, env).argv;
      if (!exe) throw ApplicationFailure.nonRetryable('command has an empty argv', FAILURE.badCommand);
      const allowed = config.LIFEBOAT_COMMAND_ALLOWLIST;
      if (!allowed.includes(exe) && !allowed.includes(path.basename(exe))) {
        throw ApplicationFailure.nonRetryable(
          `${exe} is not on the command allow-list (${allowed.length ? allowed.join(', ') : 'empty'}); add it to LIFEBOAT_COMMAND_ALLOWLIST on the worker`,
          FAILURE.commandNotAllowed,
        );
      }
      return runDispatch(input.timeoutMs, exe, async (signal) => {
        const child = spawn(exe, args, {
          cwd: input.cwd,
          env: { PATH: process.env.PATH ?? '', ...(input.idempotencyKey ? { LIFEBOAT_IDEMPOTENCY_KEY: input.idempotencyKey } : {}), ...withSecrets(input.env ?? {}, env) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => {
          if (stdout.length < MAX_OUTPUT) stdout += c.toString();
        });
        child.stderr.on('data', (c: Buffer) => {
          if (stderr.length < MAX_OUTPUT) stderr += c.toString();
        });
        // The step's timeout and an operator's abort (carried by heartbeats) both kill the process.
        const kill = () => child.kill('SIGKILL');
        signal.addEventListener('abort', kill);
        try {
          const exitCode = await new Promise<number>((resolve, reject) => {
            child.once('error', (err) => reject(ApplicationFailure.nonRetryable(`cannot run ${exe}: ${err.message}`, FAILURE.badCommand)));
            child.once('close', (code, sig) => resolve(code ?? (sig ? 128 + 9 : 1)));
          });
          if (signal.aborted) throw signal.reason;
          if (exitCode !== 0) {
            throw ApplicationFailure.retryable(`${exe} exited with code ${exitCode}: ${stderr.trim().slice(-500)}`, FAILURE.commandFailed, { exitCode, stdout, stderr });
          }
          return { exitCode, stdout, stderr };
        } finally {
          signal.removeEventListener('abort', kill);
        }
      });
    },
  };
}
