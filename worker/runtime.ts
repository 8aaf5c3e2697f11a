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

/**
 * Installs the Temporal SDK's runtime for this process, once, before the first NativeConnection (Temporal refuses a
 * second install). With `temporalMetricsAddress` (LIFEBOAT_TEMPORAL_METRICS_ADDRESS, host:port) the SDK serves its own
 * worker metrics (task slots, poll and schedule-to-start latencies, sticky cache) in Prometheus format at that
 * address's /metrics, counters ending in `_total` and durations in seconds, as Prometheus names them.
 */
export function installRuntime({ temporalMetricsAddress, ...options }: RuntimeOptions & { temporalMetricsAddress?: string }): void {
  if (temporalMetricsAddress) {
    options.telemetryOptions = {
      ...options.telemetryOptions,
      metrics: { prometheus: { bindAddress: temporalMetricsAddress, countersTotalSuffix: true, useSecondsForDurations: true } },
    };
  }
  Runtime.install(options);
}
