import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { scheduleStarts } from '../temporal/schedules';

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
  /** A prebuilt bundle (tests bundle once per file); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  log?: (line: string) => void;
}): Promise<Worker> {
  const setup = await ensureSearchAttributes(o.connection.operatorService, o.namespace);
  if (setup.created.length) o.log?.(`registered search attributes ${setup.created.join(', ')} in namespace ${o.namespace}`);
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    activities: createActivities({ scheduleStarts: scheduleStarts(o.connection, o.namespace), ...o.deps }),
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
  });
}
