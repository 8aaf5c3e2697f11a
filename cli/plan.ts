import { formatDuration } from '../model/duration';
import { Plan, planRunbook } from '../model/plan';
import { Mode, Runbook } from '../model/runbook';
import { parseCommandArgs } from './args';
import { formatIssue, table } from './format';
import { CliIo, Command, EXIT, UsageError } from './io';
import { loadRunbookFile } from './source-file';

const usage = 'lifeboat plan <file> [--mode drill|recovery] [--json]';

/** `lifeboat plan`: stages, critical path and predicted time against the RTO, without running anything. */
export const planCommand: Command = {
  summary: 'show the parallel stages, critical path and predicted recovery time',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, { mode: { type: 'string', default: 'recovery' }, json: { type: 'boolean' } });
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) throw new UsageError('name exactly one runbook file');
    const mode = Mode.safeParse(values.mode);
    if (!mode.success) throw new UsageError(`--mode must be drill or recovery, not '${values.mode}'`);
    const result = loadRunbookFile(file, io.cwd);
    if (!result.ok) {
      for (const issue of result.errors) io.stderr.write(formatIssue(file, issue));
      return EXIT.failed;
    }
    const plan = planRunbook(result.runbook, { mode: mode.data });
    io.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(result.runbook, plan));
    return EXIT.ok;
  },
};

/** The plan as a table followed by the critical path, the prediction and any warnings. */
export function renderPlan(runbook: Runbook, plan: Plan): string {
  const critical = new Set(plan.criticalPath);
  const ordered = [...plan.steps].sort((a, b) => a.stage - b.stage || a.earliestStartMs - b.earliestStartMs);
  const rows = [
    ['stage', 'step', 'action', 'drill', 'expected', 'basis', 'start', 'finish', 'critical'],
    ...ordered.map((step) => [
      String(step.stage + 1),
      step.id,
      step.action,
      step.drill,
      formatDuration(step.expectedMs),
      step.basis,
      formatDuration(step.earliestStartMs),
      formatDuration(step.earliestFinishMs),
      critical.has(step.id) ? '*' : '',
    ]),
  ];
  const endsAt = runbook.recovery?.endsAt;
  const lines = [
    `${runbook.id} — ${runbook.title} (${plan.mode} mode)`,
    '',
    table(rows),
    `critical path: ${plan.criticalPath.join(' → ')}`,
    `predicted recovery: ${formatDuration(plan.predictedMs)}${endsAt ? ` (until ${endsAt} finishes)` : ''}; whole run: ${formatDuration(plan.totalMs)}`,
  ];
  if (plan.rtoMs !== undefined) {
    const margin = formatDuration(Math.abs(plan.rtoMs - plan.predictedMs));
    lines.push(`RTO: ${formatDuration(plan.rtoMs)} — ${plan.meetsRto ? `met with ${margin} to spare` : `missed by ${margin}`}`);
  }
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
