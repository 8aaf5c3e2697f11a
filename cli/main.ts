import { completionCommand } from './completion';
import { controlCommands } from './control';
import { evidenceCommand } from './evidence';
import { findingsCommand } from './findings';
import { followCommand } from './follow';
import { initCommand } from './init';
import { CliError, CliIo, Command, EXIT, UsageError } from './io';
import { planCommand } from './plan';
import { programmeCommand } from './programme';
import { reportCommand } from './report';
import { runCommand } from './run';
import { runbookCommand } from './runbook';
import { runsCommand, statusCommand } from './runs';
import { scheduleCommand } from './schedule';
import { signOffCommand } from './signoff';
import { schemaCommand } from './schema';
import { setupCommand } from './setup';
import { tokenCommand } from './token';
import { validateCommand } from './validate';
import { versionCommand } from './version';

/** Every `lifeboat` subcommand, in the order `--help` lists them. Add new ones here (help, completion and docs follow). */
export const commands: Readonly<Record<string, Command>> = {
  init: initCommand,
  validate: validateCommand,
  plan: planCommand,
  schema: schemaCommand,
  runbook: runbookCommand,
  run: runCommand,
  follow: followCommand,
  runs: runsCommand,
  status: statusCommand,
  ...controlCommands,
  schedule: scheduleCommand,
  report: reportCommand,
  evidence: evidenceCommand,
  findings: findingsCommand,
  signoff: signOffCommand,
  programme: programmeCommand,
  token: tokenCommand,
  setup: setupCommand,
  completion: completionCommand(() => commands),
  version: versionCommand,
};

const GLOBAL_HELP = [
  '  --profile NAME  talk to the site NAME of the profile file (LIFEBOAT_CONFIG, default ~/.config/lifeboat/config.json)',
  '  --json          print JSON (every command)',
  '  --version       print the version',
  "  --help          print this, or a command's usage: lifeboat <command> --help",
];

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const list = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `usage: lifeboat [--profile NAME] <command> [options]\n\ncommands:\n${list.join('\n')}\n\noptions:\n${GLOBAL_HELP.join('\n')}\n\nEnvironment: LIFEBOAT_URL, LIFEBOAT_TOKEN, LIFEBOAT_PROFILE, LIFEBOAT_CONFIG (docs/cli.md).\n`;
}

/** Takes `--profile NAME` (or `--profile=NAME`) off the command line, wherever it is before a `--`. */
function takeProfile(args: string[]): { args: string[]; profile?: string } {
  const rest: string[] = [];
  let profile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a === '--profile') {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('-')) throw new UsageError('--profile needs a profile name, e.g. --profile standby');
      profile = value;
      i++;
    } else if (a.startsWith('--profile=')) profile = a.slice('--profile='.length);
    else rest.push(a);
  }
  if (profile === '') throw new UsageError('--profile needs a profile name, e.g. --profile standby');
  return { args: rest, profile };
}

/** Runs `lifeboat <args…>` and resolves with the exit code (see EXIT): 0 ok, 1 failed or refused, 2 usage error, 3 API unreachable. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let taken: ReturnType<typeof takeProfile>;
  try {
    taken = takeProfile(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`lifeboat: ${err.message}\n`);
    return EXIT.usage;
  }
  let [name, ...rest] = taken.args;
  if (name === '--version' || name === '-V') [name, rest] = ['version', rest];
  if (name === '--json' && rest[0] === '--version') [name, rest] = ['version', ['--json', ...rest.slice(1)]];
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    io.stderr.write(`lifeboat: unknown command '${name}'\n${usage()}`);
    return EXIT.usage;
  }
  // Every command's --help is answered here, before its own parsing, so no command repeats it (a `--` ends the flags).
  const flags = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (flags.includes('--help') || flags.includes('-h')) {
    io.stdout.write(`usage: ${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, taken.profile === undefined ? io : { ...io, profile: taken.profile });
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`lifeboat ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`lifeboat ${name}: ${err.message}\nusage: ${command.usage}\n`);
    return EXIT.usage;
  }
}
