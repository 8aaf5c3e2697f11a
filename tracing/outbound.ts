import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

// A proxy until a provider is registered (tracing/start.ts): while tracing is off every span is a no-op.
const tracer = trace.getTracer('lifeboat');

/**
 * One outbound HTTP exchange as a CLIENT span of the active trace (the activity's), its `traceparent` added to
 * `headers` so the target can join the trace. Only the method, host and port are recorded: a path or query may
 * carry a secret.
 */
export function tracedExchange<T extends { status: number }>(method: string, url: URL, headers: Record<string, string>, send: () => Promise<T>): Promise<T> {
  const attributes = {
    'http.request.method': method,
    'server.address': url.hostname,
    'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    'url.scheme': url.protocol.slice(0, -1),
  };
  return tracer.startActiveSpan(`HTTP ${method}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    propagation.inject(context.active(), headers);
    try {
      const answer = await send();
      span.setAttribute('http.response.status_code', answer.status);
      if (answer.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
      return answer;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
