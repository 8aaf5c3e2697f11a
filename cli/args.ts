import { parseArgs, ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { UsageError } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** util.parseArgs in strict mode, with its errors turned into UsageErrors; every command takes --help and --json. */
export function parseCommandArgs<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * An option's value checked with the schema the API checks it with (its query or body field), so the CLI refuses
 * what the API would refuse before calling it, with zod's reason. Answers the parsed value.
 */
export function checkedOption<S extends z.ZodType>(schema: S, option: string, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const reason = parsed.error.issues.map((i) => i.message).join('; ');
  throw new UsageError(`${option} ${JSON.stringify(value)} is refused by the API's rule: ${reason}`);
}
