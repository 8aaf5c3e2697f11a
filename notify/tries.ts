// Workflow code: no Node built-ins, no I/O.

/**
 * How many times a delivery was tried, from the failure its activity threw: sendNotification appends `{ tries }` to
 * the details of every failure (activities/notify.ts), and Temporal wraps it (ActivityFailure, a timeout) as a cause.
 */
export function triesOf(err: unknown): number | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const details: unknown = Reflect.get(e, 'details');
    if (Array.isArray(details)) {
      for (const d of details as unknown[]) {
        const tries: unknown = typeof d === 'object' && d !== null ? Reflect.get(d, 'tries') : undefined;
        if (typeof tries === 'number') return tries;
      }
    }
    e = Reflect.get(e, 'cause');
  }
  return undefined;
}
