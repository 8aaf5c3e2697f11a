import { parseCommandArgs } from './args';
import { formatIssue } from './format';
import { CliIo, Command, EXIT, UsageError } from './io';
import { loadRunbookFile } from './source-file';

const usage = 'lifeboat validate <file…>';

/** `lifeboat validate`: every problem in every file, then exit 1 if any file is invalid. */
export const validateCommand: Command = {
  summary: 'check runbook files and print every problem',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, {});
    if (positionals.length === 0) throw new UsageError('name at least one runbook file');
    let invalid = 0;
    const results: unknown[] = [];
    for (const file of positionals) {
      const result = loadRunbookFile(file, io.cwd);
      results.push(result.ok ? { file, ok: true, id: result.runbook.id, hash: result.hash, warnings: result.warnings } : { file, ok: false, errors: result.errors });
      if (values.json) {
        invalid += result.ok ? 0 : 1;
        continue;
      }
      if (!result.ok) {
        invalid++;
        for (const issue of result.errors) io.stderr.write(formatIssue(file, issue));
        continue;
      }
      for (const issue of result.warnings) io.stderr.write(formatIssue(file, issue, 'warning'));
      const { runbook } = result;
      const steps = `${runbook.steps.length} step${runbook.steps.length === 1 ? '' : 's'}`;
      io.stdout.write(`${file}: ok — id ${runbook.id}, ${steps}, hash ${result.hash.slice(0, 12)}…\n`);
    }
    if (values.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else if (positionals.length > 1 && invalid > 0) io.stderr.write(`${invalid} of ${positionals.length} files are invalid\n`);
    return invalid > 0 ? EXIT.failed : EXIT.ok;
  },
};
