import { ReviewerSignOff } from '../report/types';
import { apiFor, apiPath } from './api';
import { parseCommandArgs } from './args';
import { CliIo, Command, EXIT, UsageError } from './io';

const usage = 'lifeboat signoff sign <runId> --comment TEXT | lifeboat signoff show <runId>';

/** `lifeboat signoff`: a reviewer signs a finished run's report, or shows its sign-off (docs/cli.md). */
export const signOffCommand: Command = {
  summary: "sign off a finished run's report as a reviewer, or show its sign-off",
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, { comment: { type: 'string' } });
    const [sub, runId, ...extra] = positionals;
    if (runId === undefined || extra.length > 0) throw new UsageError('name a subcommand (sign or show) and exactly one run');
    const api = apiFor(io);
    let signed: ReviewerSignOff;
    if (sub === 'sign') {
      if (!values.comment) throw new UsageError('sign needs --comment: what the reviewer concludes');
      signed = await api.call(ReviewerSignOff, 'POST', apiPath('runs', runId, 'signoff'), { comment: values.comment });
    } else if (sub === 'show') {
      if (values.comment !== undefined) throw new UsageError('--comment is for sign');
      signed = await api.call(ReviewerSignOff, 'GET', apiPath('runs', runId, 'signoff'));
    } else throw new UsageError(`unknown subcommand '${sub ?? ''}': use sign or show`);
    io.stdout.write(`${JSON.stringify(signed, null, 2)}\n`);
    if (signed.changedAfterSignOff) io.stderr.write(`the report of run ${runId} changed after sign-off: ${signed.changed.join(', ')}\n`);
    return EXIT.ok;
  },
};
