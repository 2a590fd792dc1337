/**
 * Liveness, readiness and Prometheus metrics. Readiness asks every dependency (database,
 * object store, event bus) and names the ones that do not answer, so an operator reading a
 * failed probe knows where to look; internals (error messages) stay in the log.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { secretMatches, sha256 } from '../auth/secrets.js';
import type { Registry } from 'prom-client';
import { ApiError, notFound } from '../errors.js';

export type ReadinessChecks = Record<string, () => Promise<void>>;

export interface HealthOptions {
  registry: Registry;
  /** One check per dependency; each resolves when that dependency answers. */
  checks: ReadinessChecks;
  /** A dependency that has not answered within this is reported as failing. */
  checkTimeoutMs?: number;
  /** The bearer token /metrics asks for; without one /metrics is not served here. */
  metricsToken?: string | undefined;
}

function withTimeout(check: () => Promise<void>, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    check()
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

/** Asks every dependency at once; failures are logged with their reason and reported by name. */
export async function checkDependencies(
  checks: ReadinessChecks,
  log: FastifyBaseLogger,
  checkTimeoutMs = 2_000,
): Promise<Record<string, 'ok' | 'failing'>> {
  const names = Object.keys(checks);
  const results = await Promise.allSettled(names.map((name) => withTimeout(checks[name]!, checkTimeoutMs)));
  const report: Record<string, 'ok' | 'failing'> = {};
  results.forEach((result, i) => {
    report[names[i]!] = result.status === 'fulfilled' ? 'ok' : 'failing';
    if (result.status === 'rejected') log.warn({ err: result.reason, dependency: names[i] }, 'dependency not ready');
  });
  return report;
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (
  app,
  { registry, checks, checkTimeoutMs = 2_000, metricsToken },
) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    const report = await checkDependencies(checks, request.log, checkTimeoutMs);
    const names = Object.keys(report);
    const failing = names.filter((name) => report[name] === 'failing');
    if (failing.length === 0) return { status: 'ready', checks: report };
    return reply.status(503).send({
      error: {
        code: 'CUTLINE_UNAVAILABLE',
        message: `Not ready: ${failing.join(', ')} not answering.`,
        details: failing.map((field) => ({ field, message: 'not answering' })),
      },
    });
  });

  // The API port is public: metrics (tenants' render counts, internal timings) are for the
  // scraper that holds the token.
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!metricsToken) throw notFound('Route');
    const header = request.headers.authorization;
    if (!secretMatches(header?.startsWith('Bearer ') ? header.slice(7) : '', sha256(metricsToken)))
      throw new ApiError(
        'CUTLINE_UNAUTHENTICATED',
        'Metrics need the scrape token (CUTLINE_METRICS_TOKEN) as a bearer token.',
      );
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
};
