import type { Config } from '../config';
import type { Store } from '../store/connection';
import { httpActivities } from './http';
import { recordActivities } from './record';
import { commandActivities } from './command';
import { notifyActivities } from './notify';
import { routeActivities } from './routes';

/** What activities need from the process they run in. */
export interface ActivityDeps {
  store: Store;
  config: Config;
  /** SMTP URL mail goes to (the configured one, or the embedded mail catcher's). */
  smtpUrl: string;
  /** Environment that `{{ secrets.NAME }}` resolves from (LIFEBOAT_SECRET_NAME). */
  env: NodeJS.ProcessEnv;
}

/** Every activity the runbook workflow calls, bound to this worker's store, mail and configuration. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...recordActivities(deps),
    ...httpActivities(deps),
    ...commandActivities(deps),
    ...notifyActivities(deps),
    ...routeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
