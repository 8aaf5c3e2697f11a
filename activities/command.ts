import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { FAILURE } from '../contract/names';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ActivityDeps } from './deps';
import { withSecrets } from './secrets';

export interface CommandRequest {
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
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
    async runCommand(input: CommandRequest): Promise<CommandResult> {
      const [exe, ...args] = withSecrets(input, env).argv;
      if (!exe) throw ApplicationFailure.nonRetryable('command has an empty argv', FAILURE.badCommand);
      const allowed = config.LIFEBOAT_COMMAND_ALLOWLIST;
      if (!allowed.includes(exe) && !allowed.includes(path.basename(exe))) {
        throw ApplicationFailure.nonRetryable(
          `${exe} is not on the command allow-list (${allowed.length ? allowed.join(', ') : 'empty'}); add it to LIFEBOAT_COMMAND_ALLOWLIST on the worker`,
          FAILURE.commandNotAllowed,
        );
      }
      const ctx = Context.current();
      const child = spawn(exe, args, {
        cwd: input.cwd,
        env: { PATH: process.env.PATH ?? '', ...withSecrets(input.env ?? {}, env) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => { if (stdout.length < MAX_OUTPUT) stdout += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { if (stderr.length < MAX_OUTPUT) stderr += c.toString(); });
      // Heartbeats carry cancellation (operator abort) to us; the deadline kills the process at the step timeout.
      const beat = setInterval(() => heartbeat(), 1000);
      const deadlineMs = ctx.info.startToCloseTimeoutMs - (Date.now() - ctx.info.currentAttemptScheduledTimestampMs);
      const kill = () => child.kill('SIGKILL');
      const timer = setTimeout(kill, Math.max(deadlineMs - 250, 0));
      ctx.cancellationSignal.addEventListener('abort', kill);
      try {
        const exitCode = await new Promise<number>((resolve, reject) => {
          child.once('error', (err) => reject(ApplicationFailure.nonRetryable(`cannot run ${exe}: ${err.message}`, FAILURE.badCommand)));
          child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
        });
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
        if (exitCode !== 0) {
          throw ApplicationFailure.retryable(`${exe} exited with code ${exitCode}: ${stderr.trim().slice(-500)}`, FAILURE.commandFailed, { exitCode, stdout, stderr });
        }
        return { exitCode, stdout, stderr };
      } finally {
        clearInterval(beat);
        clearTimeout(timer);
        ctx.cancellationSignal.removeEventListener('abort', kill);
      }
    },
  };
}
