import type { ActivityDeps } from './deps';
import { httpActivities } from './http';
import { recordActivities, recordWriter } from './record';
import { commandActivities } from './command';
import { notifyActivities } from './notify';
import { routeActivities } from './routes';
import { identityActivities } from './identity';
import { programmeActivities } from './programme';

export type { ActivityDeps } from './deps';

/** Every activity the runbook workflow calls, bound to this worker's store, mail and configuration. */
export function createActivities(deps: ActivityDeps) {
  // One writer, so the step activities that carry records share the record activities' label cache.
  const writer = recordWriter(deps);
  return {
    ...recordActivities(deps, writer),
    ...httpActivities(deps, writer.carry),
    ...commandActivities(deps, writer.carry),
    ...notifyActivities(deps),
    ...routeActivities(deps),
    ...identityActivities(deps),
    ...programmeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
