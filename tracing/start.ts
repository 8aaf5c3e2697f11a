// OpenTelemetry for a process, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: then the SDK, the OTLP/HTTP exporter
// and Temporal's interceptors are loaded and registered; otherwise nothing is loaded and every span is a no-op.
import { context, propagation, trace } from '@opentelemetry/api';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';

export interface Tracing {
  /** For every Temporal client that starts or signals runs (the API's, the worker's): the trace goes into headers. */
  clientInterceptors: WorkflowClientInterceptor[];
  /** For the worker: activity spans joined to the workflow's. */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** The workflow interceptor module: given to the worker, or to bundleWorkflowCode for a bundle built ahead. */
  workflowModules: string[];
  /** The sink workflow spans leave the sandbox through. */
  sinks: NonNullable<WorkerOptions['sinks']>;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Exports what is left and unregisters the provider. */
  shutdown(): Promise<void>;
}

/** Starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set; undefined (tracing off) otherwise. */
export async function startTracing(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>): Promise<Tracing | undefined> {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { Resource }, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, worker, client] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@temporalio/interceptors-opentelemetry/lib/worker'),
      import('@temporalio/interceptors-opentelemetry/lib/client'),
    ]);
  const resource = new Resource({ 'service.name': config.OTEL_SERVICE_NAME });
  // Standard OTLP: the endpoint is the collector's base URL, traces go to its /v1/traces.
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() });
  return {
    clientInterceptors: [new client.OpenTelemetryWorkflowClientInterceptor()],
    activityInterceptors: [(ctx) => ({ inbound: new worker.OpenTelemetryActivityInboundInterceptor(ctx), outbound: new worker.OpenTelemetryActivityOutboundInterceptor(ctx) })],
    workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
    sinks: { exporter: worker.makeWorkflowExporter(processor, resource) },
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      // The API is process-global: a later tracer in this process (a test file, say) starts from nothing.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
