import type { ActivityDeps } from './deps';
import { httpActivities } from './http';
import { recordActivities } from './record';
import { commandActivities } from './command';
import { notifyActivities } from './notify';
import { routeActivities } from './routes';
import { identityActivities } from './identity';
import { programmeActivities } from './programme';

export type { ActivityDeps } from './deps';

/** Every activity the runbook workflow calls, bound to this worker's store, mail and configuration. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...recordActivities(deps),
    ...httpActivities(deps),
    ...commandActivities(deps),
    ...notifyActivities(deps),
    ...routeActivities(deps),
    ...identityActivities(deps),
    ...programmeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
