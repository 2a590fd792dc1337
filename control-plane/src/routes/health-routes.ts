/** Liveness, readiness (the database answers) and Prometheus metrics. */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthOptions {
  registry: Registry;
  /** Resolves when every dependency answers; rejects with what does not. */
  checkReady: () => Promise<void>;
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, { registry, checkReady }) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await checkReady();
      return { status: 'ready' };
    } catch (err) {
      request.log.warn({ err }, 'not ready');
      return reply.status(503).send({ error: { code: 'CUTLINE_UNAVAILABLE', message: 'Not ready: a dependency is not answering.' } });
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
};
