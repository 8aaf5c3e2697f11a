import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE } from '../contract/names';
import { renderDeep } from '../model/template';

const PREFIX = 'LIFEBOAT_SECRET_';

/** The worker's secrets: LIFEBOAT_SECRET_<NAME> is `{{ secrets.NAME }}` in a runbook. */
export function secretsFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith(PREFIX) && v !== undefined) out[k.slice(PREFIX.length)] = v;
  return out;
}

/**
 * Resolves `{{ secrets.NAME }}` in an action's (otherwise already rendered) input. Runs only inside activities, so
 * secret values never reach workflow history, the timeline or logs.
 */
export function withSecrets<T>(value: T, env: NodeJS.ProcessEnv): T {
  try {
    return renderDeep(value, { secrets: secretsFrom(env) }, { keepSecrets: false }) as T;
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `${err instanceof Error ? err.message : String(err)} (secrets come from the worker's LIFEBOAT_SECRET_<NAME> environment variables)`,
      FAILURE.secretMissing,
    );
  }
}
