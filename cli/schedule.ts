import { z } from 'zod';
import { formatDuration } from '../model/duration';
import { OverlapPolicy, ScheduleDetail, ScheduleSummary } from '../schedules/types';
import { apiFor, apiPath, type Api } from './api';
import { parseCommandArgs } from './args';
import { table } from './format';
import { CliIo, Command, EXIT, UsageError } from './io';
import { runParameters, versionOption } from './params';

const usage = [
  'lifeboat schedule create <id> --runbook ID (--cron EXPR | --every DURATION) [--timezone TZ] [--version N] [--param name=value…] [--overlap POLICY] [--paused] [--note TEXT]',
  '       lifeboat schedule list [--json]',
  '       lifeboat schedule show <id> [--json]',
  '       lifeboat schedule pause|resume <id> [--note TEXT]',
  '       lifeboat schedule trigger|delete <id>',
].join('\n');

const ScheduleList = z.object({ schedules: z.array(ScheduleSummary) });
const Triggered = z.object({ scheduleId: z.string(), triggeredAt: z.string() });

type Sub = (api: Api, id: string | undefined, args: string[], io: CliIo) => Promise<number>;

const oneId = (id: string | undefined, rest: string[]): string => {
  if (id === undefined || rest.length > 0) throw new UsageError('name exactly one schedule');
  return id;
};

const SUBCOMMANDS: Record<string, Sub> = {
  async create(api, id, args, io) {
    const { positionals, values } = parseCommandArgs(args, {
      runbook: { type: 'string' },
      cron: { type: 'string' },
      every: { type: 'string' },
      timezone: { type: 'string' },
      version: { type: 'string' },
      param: { type: 'string', multiple: true },
      overlap: { type: 'string' },
      paused: { type: 'boolean' },
      note: { type: 'string' },
    });
    const scheduleId = oneId(id, positionals);
    if (values.runbook === undefined) throw new UsageError('--runbook is required');
    if ((values.cron === undefined) === (values.every === undefined)) throw new UsageError('give --cron or --every (one of them)');
    if (values.overlap !== undefined && !OverlapPolicy.safeParse(values.overlap).success) throw new UsageError(`--overlap must be one of ${OverlapPolicy.options.join(', ')}`);
    const version = versionOption(values.version);
    const parameters = await runParameters(api, values.runbook, version, values.param);
    const body = {
      id: scheduleId,
      runbook: values.runbook,
      version,
      cron: values.cron,
      every: values.every,
      timezone: values.timezone,
      parameters,
      overlap: values.overlap,
      paused: values.paused,
      note: values.note,
    };
    const created = await api.call(ScheduleDetail, 'POST', '/schedules', body);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
      return EXIT.ok;
    }
    io.stdout.write(`created schedule ${created.id}: drills of ${created.runbook}; next ${created.nextActionTimes[0] ?? 'never'}${created.paused ? ' (paused)' : ''}\n`);
    return EXIT.ok;
  },
  async list(api, id, args, io) {
    const { positionals, values } = parseCommandArgs(args, { json: { type: 'boolean' } });
    if (id !== undefined || positionals.length > 0) throw new UsageError('list takes no arguments');
    const { schedules } = await api.call(ScheduleList, 'GET', '/schedules');
    if (values.json) io.stdout.write(`${JSON.stringify(schedules, null, 2)}\n`);
    else if (schedules.length === 0) io.stdout.write('no schedules\n');
    else {
      io.stdout.write(
        table([
          ['schedule', 'runbook', 'when', 'state', 'next', 'last run'],
          ...schedules.map((s) => [s.id, s.runbook + (s.version ? ` v${s.version}` : ''), when(s), s.paused ? 'paused' : 'active', s.nextActionTimes[0] ?? '-', lastRun(s)]),
        ]),
      );
    }
    return EXIT.ok;
  },
  async show(api, id, args, io) {
    const { positionals, values } = parseCommandArgs(args, { json: { type: 'boolean' } });
    const s = await api.call(ScheduleDetail, 'GET', apiPath('schedules', oneId(id, positionals)));
    if (values.json) {
      io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return EXIT.ok;
    }
    const lines = [
      `${s.id}: drills of ${s.runbook}${s.version ? ` v${s.version}` : ' (latest version)'} ${when(s)}; ${s.paused ? 'paused' : 'active'}${s.note ? ` — ${s.note}` : ''}`,
      `overlap: ${s.overlap ?? '-'}; parameters: ${JSON.stringify(s.parameters)}; drills started: ${s.actionsTaken}`,
      `next: ${s.nextActionTimes.slice(0, 3).join(', ') || 'never'}`,
      ...s.recentRuns.map((r) => `run ${r.runId} at ${r.takenAt}: ${r.status ?? 'starting'}`),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  },
  pause: (api, id, args, io) => noteAction(api, 'pause', id, args, io),
  resume: (api, id, args, io) => noteAction(api, 'resume', id, args, io),
  async trigger(api, id, args, io) {
    const { positionals, values } = parseCommandArgs(args, {});
    const t = await api.call(Triggered, 'POST', apiPath('schedules', oneId(id, positionals), 'trigger'));
    if (values.json) io.stdout.write(`${JSON.stringify(t)}\n`);
    else io.stdout.write(`triggered schedule ${t.scheduleId}: Temporal starts the drill now (see lifeboat schedule show ${t.scheduleId})\n`);
    return EXIT.ok;
  },
  async delete(api, id, args, io) {
    const { positionals, values } = parseCommandArgs(args, {});
    const scheduleId = oneId(id, positionals);
    await api.send('DELETE', apiPath('schedules', scheduleId));
    if (values.json) io.stdout.write(`${JSON.stringify({ deleted: scheduleId })}\n`);
    else io.stdout.write(`deleted schedule ${scheduleId}; drills it started go on\n`);
    return EXIT.ok;
  },
};

async function noteAction(api: Api, action: 'pause' | 'resume', id: string | undefined, args: string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(args, { note: { type: 'string' } });
  const s = await api.call(ScheduleDetail, 'POST', apiPath('schedules', oneId(id, positionals), action), { note: values.note });
  if (values.json) io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  else io.stdout.write(`schedule ${s.id} is ${s.paused ? 'paused' : 'active'}\n`);
  return EXIT.ok;
}

function when(s: ScheduleSummary): string {
  if (s.cron !== undefined) return `cron '${s.cron}'${s.timezone ? ` ${s.timezone}` : ''}`;
  return s.every !== undefined ? `every ${s.every}` : '-';
}

function lastRun(s: ScheduleSummary): string {
  const r = s.recentRuns[s.recentRuns.length - 1];
  if (!r) return '-';
  const ago = formatDuration(Math.max(0, Date.now() - Date.parse(r.takenAt)));
  return `${r.status ?? 'starting'} (${ago} ago)`;
}

/** `lifeboat schedule …`: scheduled drills on Temporal Schedules. */
export const scheduleCommand: Command = {
  summary: 'create, list, show, pause, resume, trigger or delete scheduled drills',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('name a subcommand: create, list, show, pause, resume, trigger or delete');
    const run = Object.prototype.hasOwnProperty.call(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
    if (!run) throw new UsageError(`unknown subcommand '${sub}'; use create, list, show, pause, resume, trigger or delete`);
    const id = rest[0] !== undefined && !rest[0].startsWith('-') ? rest[0] : undefined;
    return run(apiFor(io), id, id === undefined ? rest : rest.slice(1), io);
  },
};
