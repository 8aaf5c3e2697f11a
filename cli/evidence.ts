import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EvidenceBundle, verifyEvidenceBundle } from '../report/evidence';
import { apiFor, apiPath } from './api';
import { parseCommandArgs } from './args';
import { CliIo, Command, EXIT, UsageError } from './io';

const usage = 'lifeboat evidence export <runId> [--out FILE] | lifeboat evidence verify <file> [--key PUBLIC_KEY_PEM]';

/** `lifeboat evidence`: export a run's evidence to one file, and verify such a file offline (docs/evidence.md). */
export const evidenceCommand: Command = {
  summary: "export a run's tamper evidence to one file, or verify such a file offline",
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseCommandArgs(args, { out: { type: 'string' }, key: { type: 'string' } });
    const [sub, target, ...extra] = positionals;
    if (target === undefined || extra.length > 0) throw new UsageError('name a subcommand (export or verify) and exactly one run or file');
    const resolve = (file: string) => path.resolve(io.cwd ?? process.cwd(), file);
    if (sub === 'export') {
      if (values.key !== undefined) throw new UsageError('--key is for verify');
      const bundle = await apiFor(io).call(EvidenceBundle, 'GET', apiPath('runs', target, 'evidence'));
      const out = values.out ?? `${target}.evidence.json`;
      try {
        writeFileSync(resolve(out), `${JSON.stringify(bundle, null, 2)}\n`);
      } catch (err) {
        io.stderr.write(`lifeboat evidence: cannot write ${out}: ${err instanceof Error ? err.message : String(err)}\n`);
        return EXIT.failed;
      }
      if (values.json) io.stdout.write(`${JSON.stringify({ runId: target, file: out, events: bundle.events.length, signedHeads: bundle.signedHeads.length })}\n`);
      else io.stdout.write(`wrote the evidence of run ${target} (${bundle.events.length} events, ${bundle.signedHeads.length} signed heads) to ${out}\n`);
      return EXIT.ok;
    }
    if (sub !== 'verify') throw new UsageError(`unknown subcommand '${sub ?? ''}': use export or verify`);
    if (values.out !== undefined) throw new UsageError('--out is for export');
    const read = (file: string, what: string): string | undefined => {
      try {
        return readFileSync(resolve(file), 'utf8');
      } catch (err) {
        io.stderr.write(`lifeboat evidence: cannot read ${what} ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
        return undefined;
      }
    };
    const text = read(target, 'evidence file');
    const key = values.key === undefined ? undefined : read(values.key, 'public key');
    if (text === undefined || (values.key !== undefined && key === undefined)) return EXIT.failed;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      io.stderr.write(`lifeboat evidence: ${target} is not JSON: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.failed;
    }
    const parsed = EvidenceBundle.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `\n  ${i.path.join('.') || '(file)'}: ${i.message}`).join('');
      io.stderr.write(`lifeboat evidence: ${target} is not a Lifeboat evidence file:${problems}\n`);
      return EXIT.failed;
    }
    const result = verifyEvidenceBundle(parsed.data, key);
    io.stdout.write(`${JSON.stringify({ runId: parsed.data.runId, ...result }, null, 2)}\n`);
    if (!result.ok) {
      io.stderr.write(`lifeboat evidence: run ${parsed.data.runId} does NOT verify: ${result.firstBad?.message ?? 'unknown problem'}\n`);
      return EXIT.failed;
    }
    const a = result.anchor;
    io.stderr.write(`run ${parsed.data.runId} verifies: ${result.events} events, ${a?.final ? 'final' : 'latest'} signed head at event ${a?.seq} (key ${result.keyId})\n`);
    return EXIT.ok;
  },
};
