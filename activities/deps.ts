// Its own module so the activity modules can import it without a cycle through index.ts, which imports them all.
import type { Config } from '../config';
import type { RunMetrics } from '../metrics/runs';
import type { Store } from '../store/connection';
import type { ScheduleStarts } from '../temporal/schedules';

/** What activities need from the process they run in. */
export interface ActivityDeps {
  store: Store;
  config: Config;
  /** SMTP URL mail goes to (the configured one, or the embedded mail catcher's). */
  smtpUrl: string;
  /** Environment that `{{ secrets.NAME }}` resolves from (LIFEBOAT_SECRET_NAME). */
  env: NodeJS.ProcessEnv;
  /** This process's run and step metrics, fed as the timeline is written; absent, nothing is counted. */
  metrics?: RunMetrics;
  /** Which runs a Temporal Schedule started (the worker's connection); a schedule's signed input runs only as one of them. */
  scheduleStarts?: ScheduleStarts;
}
