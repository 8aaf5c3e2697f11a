import { z } from 'zod';
import { Runbook } from './runbook';

/** One problem found in a runbook: where (`steps[3].with.quorum`, and the source line when known) and what to do. */
export const RunbookIssue = z.object({
  path: z.string(),
  line: z.int().min(1).optional(),
  message: z.string(),
});
export type RunbookIssue = z.infer<typeof RunbookIssue>;

/** The outcome of loading or validating a runbook: the runbook and its content hash, or every problem at once. */
export const RunbookResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), runbook: Runbook, hash: z.string(), warnings: z.array(RunbookIssue) }),
  z.object({ ok: z.literal(false), errors: z.array(RunbookIssue) }),
]);
export type RunbookResult = z.infer<typeof RunbookResult>;

/** A path inside the parsed document, as keys and indexes. */
export type DocPath = ReadonlyArray<string | number>;

/** A problem before it is given a printable path and a line. */
export type Problem = { at: DocPath; message: string };

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Formats a document path the way people write it: `steps[3].with.quorum`, `parameters["odd key"]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
