import { Runtime, type RuntimeOptions } from '@temporalio/worker';

/**
 * Installs the Temporal SDK's runtime for this process (`options` as Runtime.install takes them), once, before the
 * first NativeConnection. With
 * `temporalMetricsAddress` (LIFEBOAT_TEMPORAL_METRICS_ADDRESS, host:port) the SDK serves its own worker metrics
 * (task slots, poll and schedule-to-start latencies, sticky cache) in Prometheus format at that address's /metrics,
 * counters ending in `_total` and durations in seconds, as Prometheus names them.
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
