/** Prometheus metrics (prom-client) for the HTTP layer, on a registry the app owns. */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RendersRepository } from '../repositories/renders-repository.js';

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cutline_' });
  return registry;
}

export function instrumentHttp(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'cutline_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids would explode the label cardinality.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

/** Renders by state and tier, and the queue depth, read from the database at scrape time. */
export function instrumentRenders(registry: Registry, renders: Pick<RendersRepository, 'countsByStateAndTier'>): void {
  new Gauge({
    name: 'cutline_renders',
    help: 'Renders by state and tier',
    labelNames: ['state', 'tier'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await renders.countsByStateAndTier()) this.set({ state: row.state, tier: row.tier }, row.count);
    },
  });
  new Gauge({
    name: 'cutline_queue_depth',
    help: 'Renders waiting to be admitted, by tier',
    labelNames: ['tier'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await renders.countsByStateAndTier())
        if (row.state === 'queued') this.set({ tier: row.tier }, row.count);
    },
  });
}

export interface RenderMetrics {
  observe(tier: string, seconds: number, realtimeFactor: number): void;
}

/** Wall time of finished renders and their realtime factor (seconds of video per second). */
export function renderMetrics(registry: Registry): RenderMetrics {
  const duration = new Histogram({
    name: 'cutline_render_duration_seconds',
    help: 'Wall time of successful renders',
    labelNames: ['tier'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200],
    registers: [registry],
  });
  const realtime = new Histogram({
    name: 'cutline_render_realtime_factor',
    help: 'Seconds of output per second of rendering',
    labelNames: ['tier'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10],
    registers: [registry],
  });
  return {
    observe(tier, seconds, realtimeFactor) {
      duration.observe({ tier }, seconds);
      realtime.observe({ tier }, realtimeFactor);
    },
  };
}
