import { ApiError } from './api';
import { controlCommands } from './control';
import { evidenceCommand } from './evidence';
import { findingsCommand } from './findings';
import { CliIo, Command, EXIT, UsageError } from './io';
import { planCommand } from './plan';
import { reportCommand } from './report';
import { runCommand } from './run';
import { runsCommand, statusCommand } from './runs';
import { scheduleCommand } from './schedule';
import { signOffCommand } from './signoff';
import { schemaCommand } from './schema';
import { setupCommand } from './setup';
import { tokenCommand } from './token';
import { validateCommand } from './validate';

/** Every `lifeboat` subcommand. Add new ones here. */
export const commands: Readonly<Record<string, Command>> = {
  validate: validateCommand,
  plan: planCommand,
  schema: schemaCommand,
  run: runCommand,
  runs: runsCommand,
  status: statusCommand,
  ...controlCommands,
  schedule: scheduleCommand,
  report: reportCommand,
  evidence: evidenceCommand,
  findings: findingsCommand,
  signoff: signOffCommand,
  token: tokenCommand,
  setup: setupCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const list = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `usage: lifeboat <command> [options]\n\ncommands:\n${list.join('\n')}\n`;
}

/** Runs `lifeboat <args…>` and resolves with the exit code (see EXIT): 0 ok, 1 failed or refused, 2 usage error, 3 API unreachable. */
export async function main(args: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    io.stderr.write(`lifeboat: unknown command '${name}'\n${usage()}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof ApiError) {
      io.stderr.write(`lifeboat ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`lifeboat ${name}: ${err.message}\nusage: ${command.usage}\n`);
    return EXIT.usage;
  }
}
