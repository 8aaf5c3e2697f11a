import { z } from 'zod';
import { formatDuration } from '../model/duration';
import { RecordStatus, RunRecord } from '../contract/run';
import { Mode } from '../model/runbook';
import { RunListQuery } from '../runs/list';
import { apiFor, apiPath } from './api';
import { checkedOption, parseCommandArgs } from './args';
import { progressLine, waitingLines } from './events';
import { RunDetail } from './follow';
import { table } from './format';
import { CliIo, Command, EXIT, UsageError } from './io';

const RunPage = z.object({ runs: z.array(RunRecord), next: z.string().nullable() });

const runsUsage = 'lifeboat runs [--runbook ID] [--mode drill|recovery] [--status running|completed|failed|aborted] [--limit N] [--json]';

const ms = (v: number | undefined) => (v === undefined ? '-' : formatDuration(v));

/** `lifeboat runs`: the newest runs, filtered. */
export const runsCommand: Command = {
  summary: 'list runs, newest first',
  usage: runsUsage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, {
      runbook: { type: 'string' },
      mode: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string', default: '20' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError('runs takes no arguments; filter with --runbook, --mode and --status');
    if (values.mode !== undefined && !Mode.safeParse(values.mode).success) throw new UsageError(`--mode must be drill or recovery, not '${values.mode}'`);
    if (values.status !== undefined && !RecordStatus.safeParse(values.status).success)
      throw new UsageError(`--status must be one of ${RecordStatus.options.join(', ')}, not '${values.status}'`);
    if (values.runbook !== undefined) checkedOption(RunListQuery.shape.runbook, '--runbook', values.runbook);
    const limit = checkedOption(RunListQuery.shape.limit, '--limit', values.limit);
    const query = new URLSearchParams({ limit: String(limit) });
    for (const key of ['runbook', 'mode', 'status'] as const) if (values[key] !== undefined) query.set(key, values[key]);
    const page = await apiFor(io).call(RunPage, 'GET', `/runs?${query}`);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(page.runs, null, 2)}\n`);
      return EXIT.ok;
    }
    if (page.runs.length === 0) {
      io.stdout.write('no runs\n');
      return EXIT.ok;
    }
    io.stdout.write(
      table([
        ['run', 'runbook', 'mode', 'status', 'started', 'recovery', 'trigger'],
        ...page.runs.map((r) => [r.runId, `${r.runbookId} v${r.version}`, r.mode, r.status, r.startedAt, ms(r.recovery?.achievedMs), `${r.trigger.kind}:${r.trigger.by}`]),
      ]),
    );
    return EXIT.ok;
  },
};

const statusUsage = 'lifeboat status <runId> [--json]';

/** `lifeboat status`: one run's status, steps and what it waits for. */
export const statusCommand: Command = {
  summary: "show a run's status, steps and what it waits for",
  usage: statusUsage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, { json: { type: 'boolean' } });
    const [runId, ...extra] = positionals;
    if (runId === undefined || extra.length > 0) throw new UsageError('name exactly one run');
    const run = await apiFor(io).call(RunDetail, 'GET', apiPath('runs', runId));
    if (values.json) {
      io.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
      return EXIT.ok;
    }
    const r = run.recovery;
    const lines = [
      `${run.runId}: ${run.status} — ${run.runbookId} v${run.version} in ${run.mode} mode, started ${run.startedAt} by ${run.trigger.kind}:${run.trigger.by}`,
      ...(r?.achievedMs !== undefined || r?.targetMs !== undefined ? [`recovery: ${ms(r?.achievedMs)} of an RTO of ${ms(r?.targetMs)}${r?.breached ? ' (BREACHED)' : ''}`] : []),
      ...(run.error ? [`error: ${run.error}`] : []),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    if (run.state) {
      io.stdout.write(
        `\n${table([
          ['step', 'action', 'status', 'attempts', 'expected', 'actual', 'note'],
          ...run.state.steps.map((s) => [s.id, s.action, s.status, String(s.attempts), ms(s.expectedMs), ms(s.actualMs), s.error ?? s.reason ?? '']),
        ])}`,
      );
      io.stdout.write(`${[progressLine(run.state), ...waitingLines(run.state)].join('\n')}\n`);
    }
    return EXIT.ok;
  },
};
