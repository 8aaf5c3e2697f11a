import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RunbookDetail, RunbookSummary, UploadResult } from '../catalog/service';
import { formatDuration } from '../model/duration';
import { MAX_SOURCE_BYTES } from '../model/load';
import { RunbookId } from '../model/runbook';
import { ApiError, apiFor, apiPath, type Api } from './api';
import { checkedOption, parseCommandArgs } from './args';
import { formatIssue, table } from './format';
import { CliIo, Command, EXIT, UsageError } from './io';
import { versionOption } from './params';

const usage = ['lifeboat runbook push <file…> [--json]', '       lifeboat runbook list [--json]', '       lifeboat runbook show <id> [--version N] [--json]'].join('\n');

const RunbookList = z.object({ runbooks: z.array(RunbookSummary) });

type Values = { json?: boolean; version?: string };
type Sub = (api: () => Api, positionals: string[], values: Values, io: CliIo) => Promise<number>;

/** `lifeboat runbook …`: upload runbook files through the API, list the registered ones, show one version. */
const SUBCOMMANDS: Record<string, Sub> = {
  async push(api, files, values, io) {
    if (files.length === 0) throw new UsageError('name at least one runbook file to upload');
    const client = api();
    let failed = 0;
    const results: unknown[] = [];
    for (const file of files) {
      const text = readSource(file, io);
      if (typeof text !== 'string') {
        failed++;
        io.stderr.write(formatIssue(file, { path: '', message: text.problem }));
        results.push({ file, ok: false, errors: [{ path: '', message: text.problem }] });
        continue;
      }
      const type = /\.json$/i.test(file) ? 'application/json' : 'application/yaml';
      try {
        const r = await client.call(UploadResult, 'POST', '/runbooks', undefined, { text, type });
        results.push({ file, ok: true, ...r });
        for (const w of r.warnings) io.stderr.write(formatIssue(file, w, 'warning'));
        if (!values.json) {
          const what = r.created ? `stored as version ${r.version}` : `unchanged: version ${r.version} has the same content`;
          io.stdout.write(`${file}: ${r.id} ${what}${r.reviewNeeded ? ' (needs a review before recovery mode runs it)' : ''}\n`);
        }
      } catch (err) {
        // An invalid runbook: every problem with its line, like `lifeboat validate`; other refusals go up.
        if (!(err instanceof ApiError) || err.status !== 400 || err.issues.length === 0) throw err;
        failed++;
        for (const issue of err.issues) io.stderr.write(formatIssue(file, issue));
        results.push({ file, ok: false, errors: err.issues });
      }
    }
    if (values.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    if (files.length > 1 && failed > 0) io.stderr.write(`${failed} of ${files.length} files were not uploaded\n`);
    return failed > 0 ? EXIT.failed : EXIT.ok;
  },
  async list(api, positionals, values, io) {
    if (positionals.length > 0) throw new UsageError('runbook list takes no arguments');
    const { runbooks } = await api().call(RunbookList, 'GET', '/runbooks');
    if (values.json) io.stdout.write(`${JSON.stringify(runbooks, null, 2)}\n`);
    else if (runbooks.length === 0) io.stdout.write('no runbooks\n');
    else io.stdout.write(table([['runbook', 'latest', 'updated', 'title'], ...runbooks.map((r) => [r.id, `v${r.latest}`, r.updatedAt, r.title])]));
    return EXIT.ok;
  },
  async show(api, positionals, values, io) {
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new UsageError('name exactly one runbook');
    checkedOption(RunbookId, 'the runbook id', id);
    const version = versionOption(values.version);
    const d = await api().call(RunbookDetail, 'GET', `${apiPath('runbooks', id)}${version === undefined ? '' : `?version=${version}`}`);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      return EXIT.ok;
    }
    const plan = (p: RunbookDetail['plan']['drill']) =>
      `${formatDuration(p.predictedMs)}${p.rtoMs === undefined ? '' : ` of an RTO of ${formatDuration(p.rtoMs)} (${p.meetsRto ? 'met' : 'MISSED'})`}`;
    const review = d.review ? `reviewed by ${d.review.by} at ${d.review.at}` : d.reviewNeeded ? 'NEEDS A REVIEW before recovery mode runs it' : undefined;
    const lines = [
      `${d.id} v${d.version}${d.version === d.latest ? ' (latest)' : ` (latest is v${d.latest})`} — ${d.title}`,
      `stored ${d.createdAt}${d.uploadedBy ? ` by ${d.uploadedBy}` : ''}; hash ${d.hash.slice(0, 12)}…${review ? `; ${review}` : ''}`,
      ...(d.changes.length ? [`changes: ${d.changes.join('; ')}`] : []),
      `predicted recovery: ${plan(d.plan.recovery)} in recovery mode, ${formatDuration(d.plan.drill.predictedMs)} in a drill`,
      '',
      table([['step', 'action', 'needs'], ...d.runbook.steps.map((s) => [s.id, s.action, (s.needs ?? []).join(', ')])]).trimEnd(),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  },
};

function readSource(file: string, io: CliIo): string | { problem: string } {
  const absolute = path.resolve(io.cwd ?? process.cwd(), file);
  try {
    const { size } = statSync(absolute);
    if (size > MAX_SOURCE_BYTES) return { problem: `the file is ${size} bytes, over the 1 MiB limit of an upload; split it into child runbooks` };
    return readFileSync(absolute, 'utf8');
  } catch (err) {
    return { problem: `cannot read the file: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export const runbookCommand: Command = {
  summary: 'upload runbook files (push), list the registered runbooks, or show one version',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = args;
    const { positionals, values } = parseCommandArgs(rest, { version: { type: 'string' } });
    const run = sub !== undefined && Object.prototype.hasOwnProperty.call(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
    if (!run) throw new UsageError(sub === undefined ? 'name a subcommand: push, list or show' : `unknown subcommand '${sub}'; use push, list or show`);
    if (values.version !== undefined && sub !== 'show') throw new UsageError('--version is for show');
    return run(() => apiFor(io), positionals, values, io);
  },
};
