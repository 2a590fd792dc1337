/**
 * GET /dev/mail: the local outbox, newest first, for whoever runs Cutline without an SMTP
 * server (`make dev`). Served only then, and only to clients on this machine, since the mail
 * holds sign-in links.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { LocalOutbox } from './mailer.js';
import { escapeHtml } from './templates.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export const devOutboxRoute: FastifyPluginAsync<{ outbox: LocalOutbox }> = async (app, { outbox }) => {
  app.get('/dev/mail', { schema: { hide: true } }, async (request, reply) => {
    if (!LOOPBACK.has(request.socket.remoteAddress ?? ''))
      return reply.status(404).send({ error: { code: 'CUTLINE_NOT_FOUND', message: 'Not found.' } });
    const items = outbox
      .recent()
      .map(
        (m) => `<article><h2>${escapeHtml(m.subject)}</h2>
<p><small>To ${escapeHtml(m.to)} · ${m.at.toISOString()}</small></p>
<pre>${escapeHtml(m.text).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>')}</pre></article>`,
      )
      .join('\n');
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cutline: local outbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2rem auto}article{border-bottom:1px solid #ccc}pre{white-space:pre-wrap}</style></head>
<body><h1>Local outbox</h1><p>Mail Cutline would have sent (no CUTLINE_SMTP_URL is set). Newest first; kept in memory.</p>
${items || '<p>No mail yet.</p>'}</body></html>`);
  });
};
