import { ApplicationFailure } from '@temporalio/activity';
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { loaderVariable, loaderVariableProblem } from '../model/command-env';
import { FAILURE } from '../contract/names';
import type { SecretSlot } from '../model/template';
import type { ActivityDeps } from './deps';
import type { CarriedRecords, Carry } from './carried';
import { carrying, kept, runDispatch, type Dispatched, type Kept } from './dispatch';
import { unseal } from './secrets';

export interface CommandRequest {
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Given to the process as LIFEBOAT_IDEMPOTENCY_KEY, so a script can recognise a repeat of the same execution. */
  idempotencyKey?: string;
  /** The step's timeout: the process is killed there. */
  timeoutMs: number;
  /** Where the step's secrets go in argv and env, from the runbook's text (see renderSealed). */
  secrets?: SecretSlot[];
  /** The run's records to store beside the command (activities/carried.ts). */
  records?: CarriedRecords;
  /** The step's outputs: the answer keeps only what they select (activities/dispatch.ts `kept`). */
  outputs?: Record<string, string>;
}
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const MAX_OUTPUT = 256 * 1024;

const refuse = (message: string) => ApplicationFailure.nonRetryable(message, FAILURE.commandNotAllowed);

function realpath(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/**
 * The file to execute: an allow-list entry, resolved through its symlinks. `argv[0]` is an absolute path whose real
 * path is an entry's, or the base name of exactly one entry (no PATH lookup, so no directory the run controls).
 */
function allowedExecutable(exe: string, allowlist: readonly string[]): string {
  const entries = allowlist.flatMap((entry) => {
    const real = realpath(entry);
    return real === undefined ? [] : [{ entry, real }];
  });
  const shown = allowlist.length ? allowlist.join(', ') : 'empty';
  const hint = `add its absolute path to LIFEBOAT_COMMAND_ALLOWLIST on the worker`;
  if (path.isAbsolute(exe)) {
    const real = realpath(exe);
    const hit = entries.find((e) => e.real === real);
    if (real === undefined || hit === undefined) throw refuse(`${exe} is not on the command allow-list (${shown}); ${hint}`);
    return hit.real;
  }
  if (exe.includes('/')) throw refuse(`${exe} is a relative path; argv[0] must be an absolute path or the name of an allow-listed executable`);
  const hits = entries.filter((e) => path.basename(e.entry) === exe);
  if (hits.length === 1) return hits[0]!.real;
  if (hits.length > 1) throw refuse(`${exe} names several allow-listed executables (${hits.map((h) => h.entry).join(', ')}); write the absolute path in argv[0]`);
  throw refuse(`${exe} is not on the command allow-list (${shown}); ${hint}`);
}

/** The directory a step may run in: under one of LIFEBOAT_COMMAND_ROOTS, symlinks resolved. */
function allowedCwd(cwd: string | undefined, roots: readonly string[]): string | undefined {
  if (cwd === undefined) return undefined;
  const real = path.isAbsolute(cwd) ? realpath(cwd) : undefined;
  const inside =
    real !== undefined &&
    roots.some((root) => {
      const r = realpath(root);
      return r !== undefined && (real === r || real.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
    });
  if (!inside) {
    throw refuse(
      `cwd ${cwd} is not ${path.isAbsolute(cwd) ? 'an existing directory ' : 'an absolute path '}under LIFEBOAT_COMMAND_ROOTS (${roots.length ? roots.join(', ') : 'none: steps may not set cwd'})`,
    );
  }
  return real;
}

/** Collects a stream's bytes up to a cap (plus enough to mask a secret cut at the cap). */
function collector(cap: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk: Buffer) {
      if (size >= cap) return;
      chunks.push(chunk);
      size += chunk.length;
    },
    text: (mask: (t: string) => string, keep: number) => mask(Buffer.concat(chunks).toString('utf8')).slice(0, keep),
  };
}

/** Runs an allow-listed executable with an argv array (never a shell), in a process group killed when the step ends. */
export function commandActivities({ config, env }: ActivityDeps, carry?: Carry) {
  return {
    async runCommand(input: CommandRequest): Promise<Dispatched<Kept<CommandResult>>> {
      const bad = Object.keys(input.env ?? {}).find(loaderVariable);
      if (bad !== undefined) throw refuse(`env.${bad}: ${loaderVariableProblem(bad)}`);
      const sealed = unseal(input, input.secrets, env);
      const [exe, ...args] = sealed.request.argv;
      if (!exe) throw ApplicationFailure.nonRetryable('command has an empty argv', FAILURE.badCommand);
      const file = allowedExecutable(exe, config.LIFEBOAT_COMMAND_ALLOWLIST);
      const cwd = allowedCwd(input.cwd, config.LIFEBOAT_COMMAND_ROOTS);
      const name = input.argv[0] ?? exe;
      return carrying(carry, input.records, () =>
        runDispatch(input.timeoutMs, name, async (signal) => {
          const child = spawn(file, args, {
            cwd,
            argv0: exe,
            env: { PATH: process.env.PATH ?? '', ...(input.idempotencyKey ? { LIFEBOAT_IDEMPOTENCY_KEY: input.idempotencyKey } : {}), ...(sealed.request.env ?? {}) },
            stdio: ['ignore', 'pipe', 'pipe'],
            // Its own process group, so what it starts is killed with it.
            detached: true,
          });
          const longest = Math.max(0, ...sealed.used.map((u) => u.value.length * 2));
          const stdout = collector(MAX_OUTPUT + longest);
          const stderr = collector(MAX_OUTPUT + longest);
          child.stdout.on('data', (c: Buffer) => stdout.add(c));
          child.stderr.on('data', (c: Buffer) => stderr.add(c));
          const killGroup = () => {
            try {
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
            } catch {
              // Already gone.
            }
          };
          // The step's timeout and an operator's abort (carried by heartbeats) kill the whole group; so does the
          // program's own exit, so nothing it left behind holds the step's pipes open or runs on unseen.
          signal.addEventListener('abort', killGroup);
          child.once('exit', killGroup);
          try {
            const exitCode = await new Promise<number>((resolve, reject) => {
              child.once('error', (err) => reject(ApplicationFailure.nonRetryable(`cannot run ${name}: ${sealed.mask(err.message)}`, FAILURE.badCommand)));
              child.once('close', (code, sig) => resolve(code ?? (sig ? 128 + 9 : 1)));
            });
            if (signal.aborted) throw signal.reason;
            const out = stdout.text(sealed.mask, MAX_OUTPUT);
            const err = stderr.text(sealed.mask, MAX_OUTPUT);
            if (exitCode !== 0) {
              throw ApplicationFailure.retryable(`${name} exited with code ${exitCode}: ${err.trim().slice(-500)}`, FAILURE.commandFailed, { exitCode, stdout: out, stderr: err });
            }
            return kept({ exitCode, stdout: out, stderr: err }, input.outputs, name);
          } finally {
            signal.removeEventListener('abort', killGroup);
            killGroup();
          }
        }),
      );
    },
  };
}
