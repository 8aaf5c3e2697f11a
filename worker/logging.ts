// Routes what the worker runs into the process's logger: each activity gets a child logger bound to its run and
// step (activityLog() in activities/), workflow code's `log` reaches the same logger through the worker's sinks,
// and the SDK's own lines (Runtime.install, worker/runtime.ts) too. Temporal's workflowId is Lifeboat's run id.
import type { Context } from '@temporalio/activity';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { LoggerSinks } from '@temporalio/workflow';
import { withActivityLogger } from '../logging/activity';
import type { Logger } from '../logging/logger';

/** Binds every activity's log lines to its run id, step id (when it runs for a step), activity and attempt. */
export function activityLogging(logger: Logger): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const runId = ctx.info.workflowExecution?.workflowId;
        const log = logger.child({ runId, ...(runId ? stepOf(runId, input.args[0]) : {}), activity: ctx.info.activityType, attempt: ctx.info.attempt });
        return withActivityLogger(log, async () => {
          log.debug('activity started');
          try {
            const result: unknown = await next(input);
            log.debug('activity completed');
            return result;
          } catch (err) {
            // Messages of activity failures are masked where they are raised (activities/http.ts, secrets.ts).
            log.warn({ error: err instanceof Error ? err.message : String(err) }, 'activity failed');
            throw err;
          }
        });
      },
    },
  });
}

/**
 * The step an activity runs for: step activities carry the execution's idempotency key (`<run>/<step>[/…]`,
 * actions/proxy.ts), notifications their message's step.
 */
function stepOf(runId: string, input: unknown): { stepId?: string } {
  if (typeof input !== 'object' || input === null) return {};
  const { idempotencyKey, message } = input as { idempotencyKey?: unknown; message?: { stepId?: unknown } };
  if (typeof idempotencyKey === 'string' && idempotencyKey.startsWith(`${runId}/`)) return { stepId: idempotencyKey.slice(runId.length + 1).split('/')[0] };
  if (typeof message?.stepId === 'string') return { stepId: message.stepId };
  return {};
}

/**
 * The workflow logger's sink. `defaultWorkerLogger` is the SDK's (deprecated, still supported) name for it; it is
 * per worker, where Runtime.logger is per process, so a worker's workflow lines go to that worker's logger.
 */
export function workflowLogSinks(logger: Logger): InjectedSinks<LoggerSinks> {
  const level = (name: 'trace' | 'debug' | 'info' | 'warn' | 'error') => ({
    fn: (_info: unknown, message: string, attrs?: Record<string, unknown>) => logger[name](lifeboatIds(attrs), message),
    callDuringReplay: false, // a replayed workflow has logged its lines already
  });
  return { defaultWorkerLogger: { trace: level('trace'), debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') } };
}

/** The SDK's own log lines (worker state, poller errors, core) as pino lines. */
export function temporalLogger(logger: Logger): TemporalLogger {
  const sdk = logger.child({ component: 'temporal-sdk' });
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => sdk[PINO_LEVEL[level]](lifeboatIds(meta), message);
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** Temporal's attributes with Lifeboat's names: its workflowId is our runId; its runId is kept as temporalRunId. */
function lifeboatIds(attrs: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!attrs || attrs.workflowId === undefined) return attrs ?? {};
  const { workflowId, runId, namespace: _namespace, ...rest } = attrs;
  return { runId: workflowId, temporalRunId: runId, ...rest };
}
