/**
 * A render's success mail and webhook arrive exactly once each although the process that
 * recorded the success is SIGKILLed before it told anyone: `control-plane all` (a separate
 * program) renders with its notifier asleep, dies, and a second process delivers.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../fixture/helpers.js';
import { Mailpit } from '../fixture/mailpit.js';
import { waitFor } from '../fixture/ports.js';
import { ensureCorpus } from '../render/corpus.js';
import { accountWithVideo, apiJson, startProgram, submitRender, type Program } from './program-helper.js';

const services = inject('services');
const mailpit = new Mailpit(services.mail.apiUrl);
const hits: string[] = [];
let receiver: Server;
let receiverUrl: string;
const programs: Program[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (c: Buffer) => (body += c.toString()));
    request.on('end', () => {
      hits.push(`${String(request.headers['webhook-id'])} ${body}`);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
});

afterAll(async () => {
  for (const p of programs) await p.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('a crash between the commit and the notification', () => {
  it('delivers the mail and the webhook exactly once, from the next process', async () => {
    const corpus = await ensureCorpus();
    const databaseUrl = await freshDatabase(services.postgresUrl, 'notify_crash');
    const env = {
      DATABASE_URL: databaseUrl,
      CUTLINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'cutline-notify-crash-')),
      CUTLINE_JWT_SECRET: 'notify-crash-secret-that-is-long-enough-01',
      CUTLINE_SMTP_URL: services.mail.smtpUrl,
      CUTLINE_WEBHOOK_ALLOW_RANGES: '127.0.0.0/8',
    };
    // The first process records outcomes but would tell nobody for ten minutes.
    const first = await startProgram({ ...env, CUTLINE_NOTIFY_INTERVAL: '10m' });
    programs.push(first);
    const email = `crash-${Date.now()}@example.com`;
    const account = await accountWithVideo(first.api, email, corpus.oneSecond);
    await apiJson(first.api, '/v1/webhooks', {
      method: 'POST',
      token: account.token,
      body: JSON.stringify({ url: receiverUrl, eventTypes: ['render.succeeded'] }),
    });
    const id = await submitRender(first.api, account.token, account.assetId, 'This one is told about once.');

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const stateOf = async () =>
        (await db.query<{ state: string }>('SELECT state::text AS state FROM renders WHERE id = $1', [id])).rows[0]
          ?.state;
      await waitFor(async () => (await stateOf()) === 'succeeded', 'the render to succeed', 90_000);
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      // Committed with the outcome, not yet expanded into mail or deliveries.
      const pending = await db.query(
        "SELECT 1 FROM notification_events WHERE type = 'render.succeeded' AND processed_at IS NULL",
      );
      expect(pending.rowCount).toBe(1);
      expect(hits).toEqual([]);

      const second = await startProgram({ ...env, CUTLINE_NOTIFY_INTERVAL: '100ms' });
      programs.push(second);
      await waitFor(async () => hits.length > 0, 'the webhook', 20_000);
      await mailpit.waitFor(email, (m) => m.subject.includes('ready'), 1, 20_000);
      // Time for any duplicate to show up.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(hits).toHaveLength(1);
      expect(hits[0]).toContain(id);
      expect((await mailpit.to(email)).filter((m) => m.subject.includes('ready'))).toHaveLength(1);
    } finally {
      await db.end();
    }
  });
});
