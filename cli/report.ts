import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { RunReport } from '../report/types';
import { apiFor, apiPath } from './api';
import { parseCommandArgs } from './args';
import { CliIo, Command, EXIT, UsageError } from './io';

const usage = 'lifeboat report <runId> [--html FILE]';

/** `lifeboat report`: the run's report as JSON on stdout, or as a printable HTML file. */
export const reportCommand: Command = {
  summary: "print a run's report as JSON, or write it as printable HTML with --html",
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, { html: { type: 'string' } });
    const [runId, ...extra] = positionals;
    if (runId === undefined || extra.length > 0) throw new UsageError('name exactly one run');
    if (values.html === '') throw new UsageError('--html needs a file name');
    const api = apiFor(io);
    if (values.html === undefined) {
      io.stdout.write(`${JSON.stringify(await api.call(RunReport, 'GET', apiPath('runs', runId, 'report')), null, 2)}\n`);
      return EXIT.ok;
    }
    const text = await (await api.send('GET', apiPath('runs', runId, 'report'), { accept: 'text/html' })).text();
    const file = path.resolve(io.cwd ?? process.cwd(), values.html);
    try {
      writeFileSync(file, text);
    } catch (err) {
      io.stderr.write(`lifeboat report: cannot write ${values.html}: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.failed;
    }
    io.stdout.write(values.json ? `${JSON.stringify({ runId, file: values.html })}\n` : `wrote the report of run ${runId} to ${values.html}\n`);
    return EXIT.ok;
  },
};
