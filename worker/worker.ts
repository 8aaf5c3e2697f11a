import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { silentLogger, type Logger } from '../logging/logger';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import type { Tracing } from '../tracing/start';
import { activityLogging, workflowLogSinks } from './logging';
import { prebuiltBundle, workflowBundleOptions } from './bundle';
import { scheduleStarts } from '../temporal/schedules';
import { ensureDrillCheckSchedule } from '../temporal/programme';

/**
 * Worker options for a Lifeboat task queue: the runbook workflow and its activities. Registers Lifeboat's search
 * attributes in the namespace first (or throws a SearchAttributeSetupError saying what is lacking), so a worker
 * that starts is one whose runs the namespace accepts.
 */
export async function createLifeboatWorker(o: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /**
   * A prebuilt bundle (tests bundle once per file); otherwise the one `npm run build` wrote, or else the workflows
   * are bundled at start. With tracing on and no bundle given, the workflows are bundled at start with tracing's
   * workflow interceptor; a bundle given must then include `tracing.workflowModules` (workflowInterceptorModules).
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Activity and workflow log lines, bound to their run and step (default: none). */
  logger?: Logger;
  /** Spans for workflows and activities, joined to the trace that started the run (tracing/start.ts). */
  tracing?: Tracing;
}): Promise<Worker> {
  const logger = o.logger ?? silentLogger;
  const setup = await ensureSearchAttributes(o.connection.operatorService, o.namespace);
  if (setup.created.length) logger.info({ created: setup.created, namespace: o.namespace }, 'registered search attributes');
  const everyMs = o.deps.config.LIFEBOAT_DRILL_CHECK_EVERY;
  const check = await ensureDrillCheckSchedule(o.connection, { namespace: o.namespace, taskQueue: o.taskQueue, everyMs }).catch((err: unknown) => {
    throw new Error(
      `could not keep the drill programme's check schedule: ${err instanceof Error ? err.message : String(err)}; set LIFEBOAT_DRILL_CHECK_EVERY=off to run without it`,
    );
  });
  if (check !== 'unchanged' && check !== 'off') logger.info({ schedule: check, everyMs }, 'drill programme check schedule');
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    // Sized from the configuration, not Temporal's defaults: those follow the V8 heap limit, not the memory a
    // cached run holds natively as well (docs/performance.md, "Memory").
    maxCachedWorkflows: o.deps.config.LIFEBOAT_WORKER_CACHED_RUNS,
    maxConcurrentActivityTaskExecutions: o.deps.config.LIFEBOAT_WORKER_ACTIVITIES,
    activities: createActivities({ scheduleStarts: scheduleStarts(o.connection, o.namespace), ...o.deps }),
    // Tracing's activity interceptor first (outermost), so the activity's span is active on its log lines.
    interceptors: {
      activity: [...(o.tracing?.activityInterceptors ?? []), activityLogging(logger)],
      ...(o.tracing ? { workflowModules: o.tracing.workflowModules, client: { workflow: o.tracing.clientInterceptors } } : {}),
    },
    sinks: { ...workflowLogSinks(logger), ...(o.tracing?.sinks ?? {}) },
    ...workflowSource(o.workflowBundle, o.tracing !== undefined),
  });
}

/**
 * A bundle given, else the one `npm run build` wrote (dist/), else the workflows' source, bundled now (dev, tests).
 * The build's bundle has no tracing interceptor (interceptor modules are fixed when a bundle is made), so with
 * tracing on the workflows are bundled now, with it.
 */
function workflowSource(given: WorkerOptions['workflowBundle'], tracing: boolean): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (given) return { workflowBundle: given };
  const codePath = tracing ? undefined : prebuiltBundle();
  if (codePath) return { workflowBundle: { codePath } };
  const { workflowsPath, preloadModules } = workflowBundleOptions();
  return { workflowsPath, bundlerOptions: { preloadModules } };
}
