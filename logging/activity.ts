// The logger of the activity running now, bound to its run and step by the worker's activity interceptor
// (worker/logging.ts): activities log through activityLog() and never pass ids around by hand.
import { AsyncLocalStorage } from 'node:async_hooks';
import { silentLogger, type Logger } from './logger';

const current = new AsyncLocalStorage<Logger>();

/** Runs `fn` with `logger` as the activity logger of everything it calls. */
export function withActivityLogger<T>(logger: Logger, fn: () => T): T {
  return current.run(logger, fn);
}

/** The running activity's logger (run id, step id, activity on every line); silent outside an activity. */
export function activityLog(): Logger {
  return current.getStore() ?? silentLogger;
}
