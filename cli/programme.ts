import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDuration } from '../model/duration';
import { Programme, type ProgrammeEntry } from '../report/programme';
import { apiFor } from './api';
import { parseCommandArgs } from './args';
import { table } from './format';
import { CliIo, Command, EXIT, UsageError } from './io';

const usage = 'lifeboat programme [--runbook ID] [--html FILE] [--json]';

const day = (iso: string | undefined) => (iso === undefined ? '-' : iso.slice(0, 16).replace('T', ' '));
const ms = (v: number | undefined) => (v === undefined ? '-' : formatDuration(v));

function row(e: ProgrammeEntry): string[] {
  const d = e.lastDrill;
  const rto = d ? `${ms(d.recovery.achievedMs)}/${ms(d.recovery.targetMs)}${d.recovery.breached ? ' breached' : ''}` : '-';
  const next = e.nextDue ? `${day(e.nextDue.at)} (${e.nextDue.by === 'schedule' ? `schedule ${e.nextDue.scheduleId ?? ''}` : 'cadence'})` : '-';
  const cadence = [e.every, ...e.schedules.map((s) => `${s.id}${s.paused ? ' (paused)' : ''}`)].filter(Boolean).join(', ') || '-';
  return [
    e.runbook.id,
    e.owner ?? '-',
    cadence,
    d ? `${day(d.startedAt)} ${d.runId}` : 'never',
    d?.status ?? '-',
    rto,
    next,
    e.overdue ? `since ${day(e.overdueSince)}` : 'no',
    String(e.openActions.count),
  ];
}

/** `lifeboat programme`: the drill programme as a table, JSON or a printable HTML file (docs/cli.md). */
export const programmeCommand: Command = {
  summary: 'show the drill programme: last drill, next due, overdue and open actions of every runbook',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, { runbook: { type: 'string' }, html: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError('programme takes no arguments; name one runbook with --runbook ID');
    if (values.runbook === '') throw new UsageError('--runbook needs a runbook id');
    if (values.html === '') throw new UsageError('--html needs a file name');
    const api = apiFor(io);
    const query = values.runbook === undefined ? '' : `?runbook=${encodeURIComponent(values.runbook)}`;
    if (values.html !== undefined) {
      const text = await (await api.send('GET', `/programme${query}`, { accept: 'text/html' })).text();
      try {
        writeFileSync(path.resolve(io.cwd ?? process.cwd(), values.html), text);
      } catch (err) {
        io.stderr.write(`lifeboat programme: cannot write ${values.html}: ${err instanceof Error ? err.message : String(err)}\n`);
        return EXIT.failed;
      }
      io.stdout.write(values.json ? `${JSON.stringify({ file: values.html })}\n` : `wrote the drill programme to ${values.html}\n`);
      return EXIT.ok;
    }
    const programme = await api.call(Programme, 'GET', `/programme${query}`);
    if (values.json) io.stdout.write(`${JSON.stringify(programme, null, 2)}\n`);
    else if (programme.runbooks.length === 0) io.stdout.write('no runbooks are registered\n');
    else io.stdout.write(table([['RUNBOOK', 'OWNER', 'CADENCE', 'LAST DRILL', 'RESULT', 'RTO', 'NEXT DUE', 'OVERDUE', 'OPEN ACTIONS'], ...programme.runbooks.map(row)]));
    return EXIT.ok;
  },
};
