// What a step keeps of its result: pure helpers shared by workflow code and activities (no Node built-ins, no I/O).
//
// Everything a step keeps is in Temporal payloads several times over: its activity's result and its
// `step.succeeded` event in history, its state in every continuation's input and in the run's result, which Temporal
// refuses past 2 MB (the run then fails without its final record), and a history past 50 MB is terminated. A target
// may answer up to LIFEBOAT_HTTP_MAX_BODY (1 MiB by default) to every step, so the activities answer only what the
// step's `outputs` select, and the outputs a step and a run may keep are bounded.
import { valueAt } from './values';

/** The most one step's outputs may hold, as JSON. */
export const STEP_OUTPUTS_BYTES = 64 * 1024;
/** The most all of a run's outputs together may hold, as JSON (its continuations and its result carry them all). */
export const RUN_OUTPUTS_BYTES = 256 * 1024;

/**
 * The most one step's request (its `with` after templates) may hold, as JSON: a parameter or an output rendered into
 * it can make it larger than the runbook's text. Temporal refuses an activity input past 2 MB.
 */
export const STEP_REQUEST_BYTES = 1024 * 1024;
/**
 * The most the requests of the steps one workflow task starts may hold together: the worker sends them to Temporal
 * in one message, which past 4 MB it refuses (GrpcMessageTooLarge), and the task then fails again and again while
 * the run stands still. A wave of steps stops there; the rest start in the next task.
 */
export const TASK_REQUEST_BYTES = 1536 * 1024;

/** The most a run's parameters may hold together, as JSON: its start and every continuation carry them. */
export const PARAMETERS_BYTES = 256 * 1024;

/** The UTF-8 length of a value's JSON (0 for undefined). */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  if (text === undefined) return 0;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair: one code point of four bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * A copy of `value` holding only what `paths` lead to: `valueAt(copy, p)` equals `valueAt(value, p)` for each path.
 * Containers on the way are plain objects (an array index becomes a key), which is all `valueAt` reads.
 */
export function selectPaths<T>(value: T, paths: readonly string[]): T | Record<string, unknown> {
  const split = paths.map((p) => p.split('.').filter((k) => k.length > 0)).sort((a, b) => a.length - b.length);
  if (split.some((keys) => keys.length === 0)) return value;
  const out: Record<string, unknown> = {};
  const whole: string[][] = [];
  for (const keys of split) {
    // A shorter path already kept the whole value this one leads into.
    if (whole.some((w) => w.every((k, i) => keys[i] === k))) continue;
    const found = valueAt(value, keys.join('.'));
    if (found === undefined) continue;
    let node = out;
    for (const key of keys.slice(0, -1)) {
      const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
      node = typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : define(node, key, {});
    }
    define(node, keys[keys.length - 1]!, found);
    whole.push(keys);
  }
  return out;
}

// defineProperty, not assignment: a key such as `__proto__` (JSON.parse makes it an own property) stays a key.
function define<T>(node: Record<string, unknown>, key: string, value: T): T {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

/** The outputs a step keeps of its result: each name's value at its path. */
export function outputsOf(outputs: Readonly<Record<string, string>> | undefined, result: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs ?? {}).map(([name, path]) => [name, valueAt(result, path)]));
}

/** Why a step may not keep these outputs (each named with its size), or undefined when it may. */
export function outputsProblem(outputs: Record<string, unknown>, bytes = jsonBytes(outputs), limit = STEP_OUTPUTS_BYTES): string | undefined {
  if (bytes <= limit) return undefined;
  const sizes = Object.entries(outputs)
    .map(([name, v]) => [name, jsonBytes(v)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${kib(n)}`)
    .join(', ');
  return `its outputs hold ${kib(bytes)} (${sizes}), over the ${kib(limit)} a step may keep: select a smaller part of the result in outputs`;
}

/** Why a step may not send this request (its `with` after templates), or undefined when it may. */
export function requestProblem(bytes: number): string | undefined {
  if (bytes <= STEP_REQUEST_BYTES) return undefined;
  return `its request holds ${kib(bytes)} after templates, over the ${kib(STEP_REQUEST_BYTES)} a step may send: pass smaller parameters or outputs into it`;
}

/** A byte count as people read it. */
export function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${Math.round((bytes / 1024) * 10) / 10} KiB`;
}
