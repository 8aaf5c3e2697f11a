import { z } from 'zod';
import { apiFor } from './api';
import { parseCommandArgs } from './args';
import { CliIo, Command, EXIT, UsageError } from './io';

const usage = 'lifeboat token create --name NAME --roles ROLE[,ROLE…] [--subject WHO] [--expires 30d|12h|90m]';

const CreatedToken = z.object({ token: z.string(), name: z.string(), subject: z.string(), roles: z.array(z.string()), expiresAt: z.string().optional() });

/** `lifeboat token create`: a bearer token (admin only), printed alone on stdout so scripts can capture it. */
export const tokenCommand: Command = {
  summary: 'create an API token (admin)',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = args;
    const { positionals, values } = parseCommandArgs(rest, { name: { type: 'string' }, roles: { type: 'string' }, subject: { type: 'string' }, expires: { type: 'string' } });
    if (values.help || sub === '--help' || sub === '-h') {
      io.stdout.write(`usage: ${usage}\n`);
      return EXIT.ok;
    }
    if (sub !== 'create') throw new UsageError(sub === undefined ? 'name a subcommand: create' : `unknown subcommand '${sub}'; use create`);
    if (positionals.length > 0) throw new UsageError('token create takes no arguments besides its options');
    if (!values.name) throw new UsageError('--name is required');
    const roles = (values.roles ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    if (roles.length === 0) throw new UsageError('--roles is required, e.g. --roles operator,dba');
    const created = await apiFor(io).call(CreatedToken, 'POST', '/tokens', { name: values.name, roles, subject: values.subject, expiresIn: values.expires });
    io.stdout.write(`${created.token}\n`);
    const expiry = created.expiresAt ? `, expiring at ${created.expiresAt}` : '';
    io.stderr.write(`token ${created.name} for ${created.subject} with roles ${created.roles.join(', ')}${expiry}; it is shown only now, keep it safe\n`);
    return EXIT.ok;
  },
};
