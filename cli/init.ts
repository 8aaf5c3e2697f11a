import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SCHEMA_URL, runbookSchemaUrl } from '../model/json-schema';
import { RunbookId } from '../model/runbook';
import { checkedOption, parseCommandArgs } from './args';
import { CliIo, Command, EXIT, UsageError } from './io';
import { resolveConnection } from './profile';

const usage = 'lifeboat init <id> [--out FILE] [--schema URL] [--force] [--json]';

/** A starter runbook that validates as written: each field is commented, optional ones are shown commented out. */
export function starterRunbook(id: string, schemaUrl: string): string {
  const title = id.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
  return `# yaml-language-server: $schema=${schemaUrl}
# A Lifeboat runbook (docs/runbooks.md). Check it with \`lifeboat validate\`, see its plan with \`lifeboat plan\`,
# upload it with \`lifeboat runbook push\` and rehearse it with \`lifeboat run ${id}\` (a drill unless --mode recovery).
id: ${id}                       # kebab-case; runs and schedules name the runbook by it
title: ${title}                 # one line for people
description: What this runbook recovers, and when to use it.
# owner: dr-team@example.com
objectives:
  rto: 30m                      # recovery time objective: the planner and every run are measured against it
  # rpo: 5m                     # recovery point objective, stated in the report
recovery:
  endsAt: verify                # the step whose success means service is back: the RTO clock stops there
parameters:
  baseUrl:                      # read as {{ params.baseUrl }}; \`lifeboat run ${id} --param baseUrl=…\`
    type: string
    default: https://standby.example.com
    description: The standby site's address.
steps:
  - id: approve-failover
    title: Agree to fail over
    action: approval            # waits for people; the approval window is the step's timeout
    timeout: 15m
    with:
      approvers: [incident-commander]   # roles: anyone holding one may approve
      instructions: Confirm the primary site is down and the standby is ready.
  - id: switch-traffic
    title: Send traffic to the standby
    needs: [approve-failover]   # steps start once every step they need has finished
    action: http
    drill: simulate             # a drill records the call instead of making it (run | skip | simulate)
    expected: 30s               # what the planner assumes it takes
    with:
      method: POST
      url: "{{ params.baseUrl }}/admin/activate"
      expect: [200, 202]
    # onFailure: ask            # abort (default) | continue | rollback | ask
    # retry: { attempts: 3, backoff: 5s }
  - id: verify
    title: Check the standby answers
    needs: [switch-traffic]
    action: check               # polls until the condition holds, or the timeout ends it
    timeout: 5m
    expected: 1m
    with:
      url: "{{ params.baseUrl }}/health"
      every: 10s
      until: { status: 200, op: eq, value: 200 }
`;
}

/** `lifeboat init <id>`: writes a commented starter runbook, `<id>.yaml` unless --out, and never over a file unless --force. */
export const initCommand: Command = {
  summary: 'write a commented starter runbook that validates',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, { out: { type: 'string' }, schema: { type: 'string' }, force: { type: 'boolean' } });
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new UsageError('name the new runbook: lifeboat init orders-db-failover');
    checkedOption(RunbookId, 'the runbook id', id);
    const out = values.out ?? `${id}.yaml`;
    const schemaUrl = values.schema ?? schemaFor(io);
    try {
      writeFileSync(path.resolve(io.cwd ?? process.cwd(), out), starterRunbook(id, schemaUrl), { flag: values.force ? 'w' : 'wx' });
    } catch (err) {
      const exists = typeof err === 'object' && err !== null && Reflect.get(err, 'code') === 'EEXIST';
      io.stderr.write(
        `lifeboat init: ${exists ? `${out} exists; choose another --out, or --force to overwrite it` : `cannot write ${out}: ${err instanceof Error ? err.message : String(err)}`}\n`,
      );
      return EXIT.failed;
    }
    io.stdout.write(values.json ? `${JSON.stringify({ file: out, id, schema: schemaUrl })}\n` : `wrote ${out}; check it with: lifeboat validate ${out}\n`);
    return EXIT.ok;
  },
};

// The schema of the API the CLI talks to (a profile or LIFEBOAT_URL), else the embedded default's: an unreadable
// profile file is no reason not to write a file.
function schemaFor(io: CliIo): string {
  try {
    return runbookSchemaUrl(resolveConnection(io).base);
  } catch (err) {
    if (io.profile !== undefined) throw err;
    return DEFAULT_SCHEMA_URL;
  }
}
