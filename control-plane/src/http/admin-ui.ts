/**
 * Serves the built admin UI (admin-ui/dist) at `/`. Hashed assets are cached for a year;
 * index.html never is, so a deploy is picked up on the next load. Any other GET that asks
 * for HTML and is not an API path gets index.html, so deep links (/renders/…) survive a
 * reload; API paths keep their JSON 404.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const NOT_UI = ['/v1/', '/docs', '/healthz', '/readyz', '/metrics', '/files/'];

export function hasAdminUi(dir: string | undefined): dir is string {
  return dir !== undefined && existsSync(join(dir, 'index.html'));
}

function sendIndex(reply: FastifyReply) {
  return reply
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .sendFile('index.html');
}

/** For installErrorHandler: answers HTML navigations to unknown paths with the app. */
export function adminUiFallback(request: FastifyRequest, reply: FastifyReply): boolean {
  const path = request.url.split('?')[0] ?? '/';
  const navigation =
    (request.method === 'GET' || request.method === 'HEAD') && (request.headers.accept ?? '').includes('text/html');
  if (!navigation || NOT_UI.some((prefix) => path.startsWith(prefix))) return false;
  void sendIndex(reply);
  return true;
}

export async function serveAdminUi(app: FastifyInstance, dir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    // Files are looked up per request, so a rebuilt UI is served without a restart;
    // a missing file falls through to the not-found handler (JSON for API paths).
    wildcard: true,
    index: false,
    // setHeaders decides caching: hashed assets for a year, everything else revalidated.
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
}
