import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { prebuiltBundle } from './bundle';

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
  /** A prebuilt bundle (tests bundle once per file); otherwise the one `npm run build` wrote, or else the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  log?: (line: string) => void;
}): Promise<Worker> {
  const setup = await ensureSearchAttributes(o.connection.operatorService, o.namespace);
  if (setup.created.length) o.log?.(`registered search attributes ${setup.created.join(', ')} in namespace ${o.namespace}`);
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    activities: createActivities(o.deps),
    ...workflowSource(o.workflowBundle),
  });
}

/** A bundle given, else the one `npm run build` wrote (dist/), else the workflows' source, bundled now (dev, tests). */
function workflowSource(given: WorkerOptions['workflowBundle']): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (given) return { workflowBundle: given };
  const codePath = prebuiltBundle();
  return codePath ? { workflowBundle: { codePath } } : { workflowsPath: require.resolve('../workflows') };
}
