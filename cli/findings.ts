import { Finding, FindingList } from '../report/finding';
import { apiFor, apiPath } from './api';
import { parseCommandArgs } from './args';
import { table } from './format';
import { CliIo, Command, EXIT, UsageError } from './io';

const usage =
  'lifeboat findings list <runId> [--json] | lifeboat findings add <runId> --title T --severity low|medium|high|critical --owner WHO --due YYYY-MM-DD [--status S] [--note N] | ' +
  'lifeboat findings update <runId> <findingId> [--title T] [--severity S] [--owner WHO] [--due D] [--status open|done|accepted-risk] [--note N]';

const FIELDS = ['title', 'severity', 'owner', 'due', 'status', 'note'] as const;

/** `lifeboat findings`: a run's findings and corrective actions (docs/cli.md). */
export const findingsCommand: Command = {
  summary: "list, add or update a run's findings and corrective actions",
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const text = { type: 'string' } as const;
    const { positionals, values } = parseCommandArgs(args, { title: text, severity: text, owner: text, due: text, status: text, note: text, json: { type: 'boolean' } });
    const [sub, runId, findingId, ...extra] = positionals;
    if (runId === undefined || extra.length > 0) throw new UsageError('name a subcommand (list, add or update) and a run');
    const given = Object.fromEntries(FIELDS.flatMap((f) => (typeof values[f] === 'string' ? [[f, values[f]]] : [])));
    const api = apiFor(io);
    const show = (f: Finding) => io.stdout.write(`${JSON.stringify(f, null, 2)}\n`);
    if (sub === 'list') {
      if (findingId !== undefined || Object.keys(given).length > 0) throw new UsageError('list takes a run only');
      const { findings } = await api.call(FindingList, 'GET', apiPath('runs', runId, 'findings'));
      if (values.json) io.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
      else if (findings.length === 0) io.stdout.write(`run ${runId} has no findings\n`);
      else io.stdout.write(table([['ID', 'SEVERITY', 'STATUS', 'OWNER', 'DUE', 'TITLE'], ...findings.map((f) => [f.id, f.severity, f.status, f.owner, f.due, f.title])]));
      return EXIT.ok;
    }
    if (values.json) throw new UsageError('--json is for list');
    if (sub === 'add') {
      if (findingId !== undefined) throw new UsageError('add takes a run only; give the finding with --title, --severity, --owner and --due');
      const missing = (['title', 'severity', 'owner', 'due'] as const).filter((f) => given[f] === undefined);
      if (missing.length > 0) throw new UsageError(`add needs ${missing.map((f) => `--${f}`).join(', ')}`);
      show(await api.call(Finding, 'POST', apiPath('runs', runId, 'findings'), given));
      return EXIT.ok;
    }
    if (sub === 'update') {
      if (findingId === undefined) throw new UsageError('update needs the run and the finding id, e.g. lifeboat findings update RUN F1 --status done');
      if (Object.keys(given).filter((k) => k !== 'note').length === 0) throw new UsageError('update needs at least one of --title, --severity, --owner, --due, --status');
      show(await api.call(Finding, 'PATCH', apiPath('runs', runId, 'findings', findingId), given));
      return EXIT.ok;
    }
    throw new UsageError(`unknown subcommand '${sub ?? ''}': use list, add or update`);
  },
};
