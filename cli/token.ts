import { z } from 'zod';
import { TokenRecord } from '../store/tokens';
import { apiFor, apiPath } from './api';
import { parseCommandArgs } from './args';
import { table } from './format';
import { CliIo, Command, EXIT, UsageError } from './io';

const usage = [
  'lifeboat token create --name NAME --roles ROLE[,ROLE…] [--subject WHO] [--expires 30d|12h|90m] [--json]',
  '       lifeboat token list [--json]',
  '       lifeboat token revoke <name> [--json]',
].join('\n');

const CreatedToken = z.object({ token: z.string(), name: z.string(), subject: z.string(), roles: z.array(z.string()), expiresAt: z.string().optional() });
const TokenList = z.object({ tokens: z.array(TokenRecord.omit({ revokedAt: true })) });

type Values = { name?: string; roles?: string; subject?: string; expires?: string; json?: boolean };
type Sub = (positionals: string[], values: Values, io: CliIo) => Promise<number>;

const SUBCOMMANDS: Record<string, Sub> = {
  /** The token alone on stdout so scripts can capture it (or the whole answer with --json). */
  async create(positionals, values, io) {
    if (positionals.length > 0) throw new UsageError('token create takes no arguments besides its options');
    if (!values.name) throw new UsageError('--name is required');
    const roles = (values.roles ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    if (roles.length === 0) throw new UsageError('--roles is required, e.g. --roles operator,dba');
    const created = await apiFor(io).call(CreatedToken, 'POST', '/tokens', { name: values.name, roles, subject: values.subject, expiresIn: values.expires });
    io.stdout.write(values.json ? `${JSON.stringify(created, null, 2)}\n` : `${created.token}\n`);
    const expiry = created.expiresAt ? `, expiring at ${created.expiresAt}` : '';
    io.stderr.write(`token ${created.name} for ${created.subject} with roles ${created.roles.join(', ')}${expiry}; it is shown only now, keep it safe\n`);
    return EXIT.ok;
  },
  async list(positionals, values, io) {
    if (positionals.length > 0) throw new UsageError('token list takes no arguments');
    const { tokens } = await apiFor(io).call(TokenList, 'GET', '/tokens');
    if (values.json) io.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
    else if (tokens.length === 0) io.stdout.write('no tokens (besides LIFEBOAT_ADMIN_TOKEN, which is not stored)\n');
    else
      io.stdout.write(
        table([
          ['name', 'subject', 'roles', 'created', 'by', 'expires'],
          ...tokens.map((t) => [t.name, t.subject, t.roles.join(','), t.createdAt, t.createdBy, t.expiresAt ?? 'never']),
        ]),
      );
    return EXIT.ok;
  },
  async revoke(positionals, values, io) {
    const [name, ...extra] = positionals;
    if (name === undefined || extra.length > 0) throw new UsageError('name exactly one token to revoke (its name, as token list shows it)');
    await apiFor(io).send('DELETE', apiPath('tokens', name));
    io.stdout.write(values.json ? `${JSON.stringify({ revoked: name })}\n` : `revoked token ${name}: it stops working at once\n`);
    return EXIT.ok;
  },
};

const OPTIONS = { name: { type: 'string' }, roles: { type: 'string' }, subject: { type: 'string' }, expires: { type: 'string' } } as const;

/** `lifeboat token create|list|revoke`: bearer tokens (admin only). */
export const tokenCommand: Command = {
  summary: 'create, list or revoke API tokens (admin)',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = args;
    const { positionals, values } = parseCommandArgs(rest, OPTIONS);
    const run = sub !== undefined && Object.prototype.hasOwnProperty.call(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
    if (!run) throw new UsageError(sub === undefined ? 'name a subcommand: create, list or revoke' : `unknown subcommand '${sub}'; use create, list or revoke`);
    if (sub !== 'create' && (values.name ?? values.roles ?? values.subject ?? values.expires) !== undefined)
      throw new UsageError('--name, --roles, --subject and --expires are for create');
    return run(positionals, values, io);
  },
};
