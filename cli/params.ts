import { z } from 'zod';
import { Parameter } from '../model/runbook';
import { VersionNumber } from '../catalog/service';
import { apiPath, type Api } from './api';
import { checkedOption } from './args';
import { UsageError } from './io';

const RunbookParameters = z.object({ version: z.int(), runbook: z.object({ parameters: z.record(z.string(), Parameter).optional() }) });

/** Splits repeated `--param name=value` options; a name may appear once. */
export function splitParams(pairs: string[] = []): Array<[string, string]> {
  const seen = new Set<string>();
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes name=value, got '${pair}'`);
    const name = pair.slice(0, eq);
    if (seen.has(name)) throw new UsageError(`--param ${name} is given twice`);
    seen.add(name);
    return [name, pair.slice(eq + 1)];
  });
}

/** A command-line value as the parameter's declared type (the API checks it; unknown names stay text). */
export function coerce(p: Parameter | undefined, text: string): unknown {
  if (p?.type === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (p?.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** `--param` values typed by the runbook's declarations, read from the API only when there are any. */
export async function runParameters(api: Api, runbook: string, version: number | undefined, pairs: string[] | undefined): Promise<Record<string, unknown>> {
  const given = splitParams(pairs);
  if (given.length === 0) return {};
  const query = version === undefined ? '' : `?version=${version}`;
  const detail = await api.call(RunbookParameters, 'GET', `${apiPath('runbooks', runbook)}${query}`);
  const declared = detail.runbook.parameters ?? {};
  return Object.fromEntries(given.map(([name, text]) => [name, coerce(declared[name], text)]));
}

/** Parses `--version N` with the API's rule for `?version=`. */
export function versionOption(text: string | undefined): number | undefined {
  return text === undefined ? undefined : checkedOption(VersionNumber, '--version', text);
}
