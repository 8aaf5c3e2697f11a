import { runbookJsonSchema } from '../model/json-schema';
import { parseCommandArgs } from './args';
import { CliIo, Command, EXIT, UsageError } from './io';

const usage = 'lifeboat schema';

/** `lifeboat schema`: the runbook JSON Schema, for editors and other tools. */
export const schemaCommand: Command = {
  summary: 'print the runbook JSON Schema',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals } = parseCommandArgs(args, {});
    if (positionals.length > 0) throw new UsageError('schema takes no arguments');
    io.stdout.write(`${JSON.stringify(runbookJsonSchema(), null, 2)}\n`);
    return EXIT.ok;
  },
};
