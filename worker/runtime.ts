// The one Runtime.install of a process that runs a worker (worker/main.ts, servers/start.ts). Its options are a
// plain object so what else the runtime exports (its metrics, say) is one more key here.
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { Logger } from '../logging/logger';
import { temporalLogger } from './logging';

/** The Temporal runtime's options: the SDK's lines and the native core's (WARN and up) into `logger`. */
export function runtimeOptions(logger: Logger, o: Pick<RuntimeOptions, 'shutdownSignals'> = {}): RuntimeOptions {
  return {
    ...o,
    logger: temporalLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} },
    },
  };
}

/** Installs the runtime once, before any connection or worker is made (Temporal refuses a second install). */
export function installRuntime(options: RuntimeOptions): void {
  Runtime.install(options);
}
