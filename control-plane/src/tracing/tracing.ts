/**
 * OpenTelemetry tracing. W3C trace context is always read from requests and carried into the
 * render spec (`traceparent`), so a trace started by a caller continues through the render
 * even when this process records nothing. Spans are recorded and exported only when an OTLP
 * endpoint is configured; the SDK is loaded only then (it costs memory and start-up time).
 */
import { context, propagation, trace, type Context, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export const tracer = () => trace.getTracer('cutline-control-plane');

export interface Tracing {
  /** Exports every finished span now (tests, shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function startTracing(options: {
  otlpEndpoint: string | undefined;
  serviceName: string;
}): Promise<Tracing> {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (!options.otlpEndpoint) return { flush: async () => undefined, shutdown: async () => undefined };
  const [{ NodeSDK, tracing }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const processor = new tracing.BatchSpanProcessor(
    new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
  );
  // No auto-instrumentation: the HTTP server spans come from the Fastify hooks (http/tracing-hooks.ts).
  const sdk = new NodeSDK({ serviceName: options.serviceName, spanProcessors: [processor], instrumentations: [] });
  sdk.start();
  return { flush: () => processor.forceFlush(), shutdown: () => sdk.shutdown() };
}

/** The context a W3C `traceparent` (or a header map carrying one) names. */
export function contextFrom(carrier: Record<string, unknown> | string | undefined): Context {
  if (carrier === undefined) return context.active();
  const headers = typeof carrier === 'string' ? { traceparent: carrier } : carrier;
  return propagation.extract(context.active(), headers);
}

/** The `traceparent` of a span (for the render spec), if it belongs to a trace. */
export function traceparentOf(span: Span | undefined): string | undefined {
  if (!span || !trace.isSpanContextValid(span.spanContext())) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  return carrier.traceparent;
}
