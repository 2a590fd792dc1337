/**
 * One server span per request, child of the caller's `traceparent` when it sends one, named
 * by route template (`POST /v1/renders`) so traces group the way the metrics do.
 */
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contextFrom, tracer, traceparentOf } from '../tracing/tracing.js';

const spans = new WeakMap<FastifyRequest, Span>();

export function installTracingHooks(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const span = tracer().startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0] ?? '',
        },
      },
      contextFrom(request.headers as Record<string, unknown>),
    );
    spans.set(request, span);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

/** The request's trace context as a `traceparent`, for work it starts (render specs). */
export function requestTraceparent(request: FastifyRequest): string | undefined {
  return traceparentOf(spans.get(request));
}
