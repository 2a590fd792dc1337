/**
 * A request must have sent its whole body within `ms` of its headers, so a client trickling
 * bytes cannot hold a connection and a parser for minutes. Routes that stream their body to
 * storage (uploads) opt out with `config: { streamsBody: true }`: their size limit and the
 * shutdown deadline bound them instead.
 */
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The handler consumes the body as a stream, for as long as it takes. */
    streamsBody?: boolean;
  }
}

const timers = new WeakMap<object, NodeJS.Timeout>();

export function limitBodyTime(app: FastifyInstance, ms: number): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.streamsBody) return;
    const timer = setTimeout(() => {
      const body = JSON.stringify({
        error: { code: 'CUTLINE_REQUEST_TIMEOUT', message: `The request body did not arrive within ${ms / 1000} s.` },
      });
      if (!reply.raw.headersSent)
        reply.raw.writeHead(408, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      reply.raw.end(body, () => request.raw.socket?.destroy());
    }, ms);
    timer.unref();
    timers.set(request, timer);
  });
  // The body is parsed before validation: from here on it has arrived whole.
  const clear = async (request: object) => clearTimeout(timers.get(request));
  app.addHook('preValidation', clear);
  app.addHook('onResponse', clear);
}
