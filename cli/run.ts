import { z } from 'zod';
import { Mode } from '../model/runbook';
import { apiFor } from './api';
import { parseCommandArgs } from './args';
import { finish, followRun } from './follow';
import { CliIo, Command, EXIT, UsageError } from './io';
import { runParameters, versionOption } from './params';

const usage = 'lifeboat run <runbook> [--mode drill|recovery] [--param name=value…] [--version N] [--declared-at ISO] [--no-follow] [--json]';

const StartedRun = z.object({ runId: z.string(), runbook: z.string(), version: z.int(), mode: Mode });

/** `lifeboat run`: starts a run, then follows its timeline until it ends (exit 0 completed, 1 failed or aborted). */
export const runCommand: Command = {
  summary: 'start a run (drill by default) and follow it live until it ends',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, {
      mode: { type: 'string', default: 'drill' },
      param: { type: 'string', multiple: true },
      version: { type: 'string' },
      'declared-at': { type: 'string' },
      'no-follow': { type: 'boolean' },
    });
    const [runbook, ...extra] = positionals;
    if (runbook === undefined || extra.length > 0) throw new UsageError('name exactly one runbook');
    const mode = Mode.safeParse(values.mode);
    if (!mode.success) throw new UsageError(`--mode must be drill or recovery, not '${values.mode}'`);
    const declaredAt = values['declared-at'];
    if (declaredAt !== undefined && !z.iso.datetime({ offset: true }).safeParse(declaredAt).success) {
      throw new UsageError(`--declared-at must be an ISO-8601 time such as 2026-11-24T03:12:00Z, not '${declaredAt}'`);
    }
    const version = versionOption(values.version);
    const api = apiFor(io);
    const parameters = await runParameters(api, runbook, version, values.param);
    const started = await api.call(StartedRun, 'POST', '/runs', { runbook, mode: mode.data, version, parameters, declaredAt });
    io.stdout.write(values.json ? `${JSON.stringify({ started })}\n` : `started run ${started.runId}: ${started.runbook} v${started.version} in ${started.mode} mode\n`);
    if (values['no-follow']) return EXIT.ok;
    return finish(await followRun(api, started.runId, io, { json: values.json }), io, values.json);
  },
};
