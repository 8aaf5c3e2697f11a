// Imported by workflow code: no Node built-ins, no I/O, no zod.

/** The longest duration a runbook may state: beyond this it is a typo, not a plan. */
export const MAX_DURATION_MS = 30 * 24 * 60 * 60 * 1000;

const UNITS: ReadonlyArray<readonly [suffix: string, ms: number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

// Units appear at most once, largest first ("1h30m", not "30m1h"), so every duration has one spelling.
const DURATION = /^(?!$)(?:(\d{1,12})d)?(?:(\d{1,12})h)?(?:(\d{1,12})m(?!s))?(?:(\d{1,12})s)?(?:(\d{1,12})ms)?$/;

/** The JSON Schema pattern for a duration. */
export const DURATION_PATTERN = DURATION.source;

/** Parses `30s`, `15m`, `1h30m`, `500ms`, `2d` into milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = DURATION.exec(text);
  if (!match) return undefined;
  let total = 0;
  UNITS.forEach(([, ms], i) => {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * ms;
  });
  return total;
}

/** Explains why a string is not a usable (positive, at most 30 days) duration, or undefined when it is. */
export function durationProblem(text: string): string | undefined {
  const ms = parseDuration(text);
  if (ms === undefined) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    return `'${shown}' is not a duration; write a number and unit such as 30s, 15m, 4h, 1h30m, 500ms or 2d`;
  }
  if (ms === 0) return `duration '${text}' is zero; use a positive duration such as 1s`;
  if (ms > MAX_DURATION_MS) return `duration '${text}' is longer than 30 days; use a shorter duration`;
  return undefined;
}

/** Like parseDuration, for durations a validated runbook guarantees; throws if that guarantee is broken. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`'${text}' is not a duration`);
  return ms;
}

/** Formats milliseconds in the same grammar parseDuration reads, e.g. 5400000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const [suffix, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${suffix}`;
    rest -= count * size;
  }
  return out;
}
