import pkg from '../package.json';
import { parseCommandArgs } from './args';
import { CliIo, Command, EXIT, UsageError } from './io';

/** The CLI's version: the package's. */
export const CLI_VERSION: string = pkg.version;

const usage = 'lifeboat version [--json]   (or lifeboat --version)';

/** `lifeboat --version` and `lifeboat version`. */
export const versionCommand: Command = {
  summary: "print the CLI's version",
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, {});
    if (positionals.length > 0) throw new UsageError('version takes no arguments');
    io.stdout.write(values.json ? `${JSON.stringify({ version: CLI_VERSION })}\n` : `lifeboat ${CLI_VERSION}\n`);
    return EXIT.ok;
  },
};
