/**
 * Notifications and signed webhooks, against Mailpit and an HTTP receiver of the suite's own:
 * a render's outcome reaches its submitter by mail and the organization's endpoints by a
 * Standard Webhooks delivery (verified with the scheme's own library), exactly once; retries
 * with backoff log each attempt; private targets are refused; usage alerts and batches.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Mailpit } from '../fixture/mailpit.js';
import { waitFor } from '../fixture/ports.js';
import { RenderError } from '@cutline/render-job';
import { bearer, errorCode, register, startApp, uploadVideo, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
const mailpit = new Mailpit(services.mail.apiUrl);
let t: TestApp;

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver: every request recorded; `/flaky/<n>` answers 500 n times, then 200; `/down` always 500; `/slow` never. */
class Receiver {
  readonly received: Received[] = [];
  private readonly failures = new Map<string, number>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (c: Buffer) => (body += c.toString()));
      request.on('end', () => {
        const path = request.url ?? '/';
        this.received.push({ path, headers: request.headers, body });
        if (path === '/slow') return;
        const flaky = /^\/flaky\/(\d+)/.exec(path);
        if (flaky) {
          const seen = (this.failures.get(path) ?? 0) + 1;
          this.failures.set(path, seen);
          response.writeHead(seen <= Number(flaky[1]) ? 500 : 200).end('ok');
          return;
        }
        response.writeHead(path === '/down' ? 500 : 200).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  t = await startApp(
    services.postgresUrl,
    {
      CUTLINE_AUTH_RATE_LIMIT: '10000',
      // The receiver is on loopback, which webhooks may not reach unless allowed.
      CUTLINE_WEBHOOK_ALLOW_RANGES: '127.0.0.0/8',
      CUTLINE_WEBHOOK_FIRST_RETRY: '50ms',
      CUTLINE_WEBHOOK_TIMEOUT: '500ms',
      CUTLINE_NOTIFY_INTERVAL: '100ms',
    },
    { starter: { rendersPerMonth: 5 }, pro: { batch: true } },
    { mail: services.mail, listen: true },
  );
});
afterAll(async () => {
  await t?.close();
  await receiver.close();
});

async function endpoint(account: Account, path: string, eventTypes: string[]) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: bearer(account.accessToken),
    payload: { url: `${receiver.url}${path}`, description: 'test receiver', eventTypes },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; secret: string }>();
}

async function submit(account: Account, assetId: string, title: string): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/renders',
    headers: bearer(account.accessToken),
    payload: { assetId, script: 'Hello there.', title },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

/** Through the transitions the dispatcher and the operator use. */
async function succeed(id: string): Promise<void> {
  await t.db.render.update({ where: { id }, data: { state: 'running' } });
  expect(await t.lifecycle.succeed(id, [], 2.5, new Date())).toBe(true);
}

const settle = () => new Promise((r) => setTimeout(r, 1_500));

describe('a render’s outcome', () => {
  it('reaches the submitter by mail and the endpoint by a signed webhook, once each', async () => {
    const owner = await register(t.app, 'Notified');
    const hook = await endpoint(owner, '/ok', ['render.succeeded', 'render.failed']);
    expect(hook.secret).toMatch(/^whsec_/);
    const assetId = await uploadVideo(t.app, owner.accessToken);
    const id = await submit(owner, assetId, 'Launch <teaser>');
    await succeed(id);

    const [mail] = await mailpit.waitFor(owner.email, (m) => m.subject.includes('ready'));
    expect(mail!.subject).toContain('Launch <teaser>');
    expect(mail!.html).toContain('Launch &#60;teaser&#62;');
    await waitFor(async () => receiver.at('/ok').length > 0, 'the webhook', 10_000);
    await settle();
    expect((await mailpit.to(owner.email)).filter((m) => m.subject.includes('ready'))).toHaveLength(1);
    const deliveries = receiver.at('/ok');
    expect(deliveries).toHaveLength(1);

    // Any Standard Webhooks library verifies it with the endpoint's secret (and refuses another).
    const { headers, body } = deliveries[0]!;
    const plain = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
    const payload = new Webhook(hook.secret).verify(body, plain) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({
      type: 'render.succeeded',
      data: {
        renderId: id,
        organizationId: owner.organizationId,
        state: 'succeeded',
        title: 'Launch <teaser>',
        kind: 'video',
      },
    });
    expect(() =>
      new Webhook(`whsec_${Buffer.from('another secret!!').toString('base64')}`).verify(body, plain),
    ).toThrow();

    const log = await t.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${hook.id}/deliveries`,
      headers: bearer(owner.accessToken),
    });
    expect(log.json()).toEqual([
      expect.objectContaining({ eventType: 'render.succeeded', status: 'succeeded', attempts: 1, lastStatusCode: 200 }),
    ]);

    // Redelivery sends the same message again (same webhook-id, for receivers that de-duplicate).
    const deliveryId = log.json<Array<{ id: string }>>()[0]!.id;
    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${hook.id}/deliveries/${deliveryId}/redeliver`,
      headers: bearer(owner.accessToken),
    });
    expect(again.statusCode).toBe(202);
    await waitFor(async () => receiver.at('/ok').length === 2, 'the redelivery', 10_000);
    expect(receiver.at('/ok')[1]!.headers['webhook-id']).toBe(deliveries[0]!.headers['webhook-id']);
  });

  it('retries a failing receiver with backoff: 500 three times then 200 is one success after 4 attempts', async () => {
    const owner = await register(t.app, 'Flaky');
    const hook = await endpoint(owner, '/flaky/3', ['render.failed']);
    const assetId = await uploadVideo(t.app, owner.accessToken);
    const id = await submit(owner, assetId, 'Will fail');
    await t.db.render.update({ where: { id }, data: { state: 'running' } });
    await t.lifecycle.fail(id, new Date(), new RenderError('CUTLINE_TTS_FAILED', 'The voice engine stopped.'));

    await waitFor(async () => receiver.at('/flaky/3').length === 4, 'four attempts', 15_000);
    await settle();
    expect(receiver.at('/flaky/3')).toHaveLength(4);
    const [delivery] = await t.db.webhookDelivery.findMany({ where: { endpointId: hook.id } });
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 4, lastStatusCode: 200 });
    const detail = await t.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${hook.id}/deliveries/${delivery!.id}`,
      headers: bearer(owner.accessToken),
    });
    const attempts = detail.json<{ attemptLog: Array<{ attempt: number; statusCode: number; at: string }> }>()
      .attemptLog;
    expect(attempts.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 200],
    ]);
    // Each wait is longer than the one before (the delay grows fourfold per attempt).
    const gaps = attempts.slice(1).map((a, i) => Date.parse(a.at) - Date.parse(attempts[i]!.at));
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
    // The failure mail reached the submitter too, with the reason.
    const [mail] = await mailpit.waitFor(owner.email, (m) => m.subject.includes('failed'));
    expect(mail!.text).toContain('The voice engine stopped.');
  });

  it('a receiver that never answers is given up on per attempt, without holding anything else', async () => {
    const owner = await register(t.app, 'Slow');
    const slow = await endpoint(owner, '/slow', ['render.canceled']);
    const assetId = await uploadVideo(t.app, owner.accessToken);
    const id = await submit(owner, assetId, 'Canceled');
    const canceled = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${id}/cancel`,
      headers: bearer(owner.accessToken),
    });
    expect(canceled.statusCode, canceled.body).toBeLessThan(300);
    await waitFor(
      async () =>
        (await t.db.webhookAttempt.count({
          where: { delivery: { endpointId: slow.id }, error: { contains: 'no answer' } },
        })) > 0,
      'a timed-out attempt',
      10_000,
    );
    // The API answers meanwhile.
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/renders', headers: bearer(owner.accessToken) })).statusCode,
    ).toBe(200);
  });

  it('stops mailing a submitter who opted out; the webhook still goes', async () => {
    const owner = await register(t.app, 'Quiet');
    const prefs = await t.app.inject({ method: 'GET', url: '/v1/me/preferences', headers: bearer(owner.accessToken) });
    const changed = await t.app.inject({
      method: 'PUT',
      url: '/v1/me/preferences',
      headers: bearer(owner.accessToken),
      payload: {
        ...prefs.json<object>(),
        notifications: { renders: false, batches: true, usage: true, billing: true },
        defaultVoice: 'en_US-joe-medium',
      },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    await endpoint(owner, '/quiet', ['render.succeeded']);
    const assetId = await uploadVideo(t.app, owner.accessToken);
    await succeed(await submit(owner, assetId, 'Silent'));
    await waitFor(async () => receiver.at('/quiet').length === 1, 'the webhook', 10_000);
    await settle();
    expect((await mailpit.to(owner.email)).filter((m) => m.subject.includes('ready'))).toEqual([]);
    const after = await t.app.inject({ method: 'GET', url: '/v1/me/preferences', headers: bearer(owner.accessToken) });
    expect(after.json()).toMatchObject({ defaultVoice: 'en_US-joe-medium', notifications: { renders: false } });
  });

  it('announces a finished batch once, when its last render ends', async () => {
    const owner = await register(t.app, 'Batcher');
    await t.db.organization.update({ where: { id: owner.organizationId }, data: { plan: 'pro' } });
    await endpoint(owner, '/batch', ['batch.finished', 'render.succeeded']);
    const assetId = await uploadVideo(t.app, owner.accessToken);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...bearer(owner.accessToken), 'content-type': 'text/csv' },
      payload: `title,script,video\nOne,First.,${assetId}\nTwo,Second.,${assetId}\n`,
    });
    expect(created.statusCode, created.body).toBe(201);
    const { renderIds } = created.json<{ renderIds: string[] }>();
    await succeed(renderIds[0]!);
    await succeed(renderIds[1]!);
    await waitFor(
      async () => receiver.at('/batch').some((r) => r.body.includes('"batch.finished"')),
      'batch.finished',
      10_000,
    );
    await settle();
    const finished = receiver.at('/batch').filter((r) => r.body.includes('"batch.finished"'));
    expect(finished).toHaveLength(1);
    expect(JSON.parse(finished[0]!.body)).toMatchObject({ data: { succeeded: 2, failed: 0, canceled: 0 } });
    // One mail for the batch, none per video.
    const mails = await mailpit.waitFor(owner.email, (m) => m.subject.includes('Batch finished'));
    expect(mails).toHaveLength(1);
    expect((await mailpit.to(owner.email)).filter((m) => m.subject.includes('ready'))).toEqual([]);
  });
});

describe('usage and failing endpoints', () => {
  it('tells owners and endpoints when 80 % and 100 % of the quota are used', async () => {
    const owner = await register(t.app, 'Quota');
    await t.db.organization.update({ where: { id: owner.organizationId }, data: { plan: 'starter' } });
    await endpoint(owner, '/usage', ['usage.alert']);
    const assetId = await uploadVideo(t.app, owner.accessToken);
    for (let i = 0; i < 5; i++) await submit(owner, assetId, `Quota ${i}`);
    await waitFor(async () => receiver.at('/usage').length === 2, 'two usage alerts', 10_000);
    const percents = receiver
      .at('/usage')
      .map((r) => (JSON.parse(r.body) as { data: { percent: number } }).data.percent);
    expect(percents.sort()).toEqual([100, 80]);
    const mails = await mailpit.waitFor(owner.email, (m) => /quota/.test(m.subject), 2);
    expect(mails.map((m) => m.subject).join(' ')).toMatch(/80 %/);
  });

  it('tells owners of a failed payment, and again a day before the grace period ends', async () => {
    const owner = await register(t.app, 'Unpaid');
    const grace = 7 * 86_400_000;
    const pastDueSince = new Date(Date.now() - grace + 2 * 3_600_000);
    await t.db.subscription.create({
      data: {
        id: `sub_${Date.now()}`,
        organizationId: owner.organizationId,
        customerId: 'cus_test',
        status: 'past_due',
        plan: 'pro',
        currentPeriodStart: new Date(Date.now() - 20 * 86_400_000),
        currentPeriodEnd: new Date(Date.now() + 10 * 86_400_000),
        pastDueSince,
        stateAt: new Date(),
      },
    });
    // What the Stripe webhook records for invoice.payment_failed (billing.test.ts drives that path).
    await t.db.activity.create({
      data: {
        organizationId: owner.organizationId,
        action: 'billing.payment_failed',
        subjectType: 'invoice',
        subjectId: 'in_test',
        data: { amountDueCents: 4900, currency: 'usd' },
      },
    });
    const [failed] = await mailpit.waitFor(owner.email, (m) => m.subject.includes('Payment failed'));
    expect(failed!.text).toContain(new Date(pastDueSince.getTime() + grace).toUTCString());
    await mailpit.waitFor(owner.email, (m) => m.subject.includes('falls back to the free plan soon'));
    await settle();
    expect((await mailpit.to(owner.email)).filter((m) => m.subject.includes('free plan soon'))).toHaveLength(1);
  });

  it('disables an endpoint failing for days and mails the admins', async () => {
    const owner = await register(t.app, 'Broken');
    const hook = await endpoint(owner, '/down', ['render.succeeded']);
    await t.db.webhookEndpoint.update({
      where: { id: hook.id },
      data: { failingSince: new Date(Date.now() - 6 * 86_400_000) },
    });
    const assetId = await uploadVideo(t.app, owner.accessToken);
    await succeed(await submit(owner, assetId, 'Into the void'));
    await waitFor(
      async () => (await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: hook.id } })).enabled === false,
      'the endpoint disabled',
      10_000,
    );
    const [mail] = await mailpit.waitFor(owner.email, (m) => m.subject.includes('disabled'));
    expect(mail!.text).toContain(`${receiver.url}/down`);
    const listed = await t.app.inject({ method: 'GET', url: '/v1/webhooks', headers: bearer(owner.accessToken) });
    expect(listed.json()).toEqual([expect.objectContaining({ id: hook.id, enabled: false })]);
  });
});

describe('webhook endpoints', () => {
  it('refuses targets that are not http(s), too long, or private, naming the field', async () => {
    const owner = await register(t.app, 'Careful');
    for (const url of [
      'ftp://example.com/hook',
      `https://example.com/${'a'.repeat(2_100)}`,
      'http://10.0.0.5/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00::1]/hook',
      'http://user:pass@example.com/hook',
    ]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: bearer(owner.accessToken),
        payload: { url, eventTypes: ['render.succeeded'] },
      });
      expect([response.statusCode, errorCode(response)], url).toEqual([400, 'CUTLINE_VALIDATION_FAILED']);
      expect(response.json<{ error: { details: Array<{ field: string }> } }>().error.details[0]!.field).toMatch(/url/);
    }
    expect(await t.db.webhookEndpoint.count({ where: { organizationId: owner.organizationId } })).toBe(0);
  });

  it('keeps endpoints to their organization; the secret is shown only at creation and rotation', async () => {
    const a = await register(t.app, 'Owner A');
    const b = await register(t.app, 'Owner B');
    const hook = await endpoint(a, '/a', ['render.succeeded']);
    const listed = await t.app.inject({ method: 'GET', url: '/v1/webhooks', headers: bearer(a.accessToken) });
    expect(JSON.stringify(listed.json())).not.toContain(hook.secret);
    for (const [method, url] of [
      ['PATCH', `/v1/webhooks/${hook.id}`],
      ['DELETE', `/v1/webhooks/${hook.id}`],
      ['POST', `/v1/webhooks/${hook.id}/rotate-secret`],
      ['GET', `/v1/webhooks/${hook.id}/deliveries`],
    ] as const) {
      const response = await t.app.inject({
        method,
        url,
        headers: bearer(b.accessToken),
        ...(method === 'PATCH' ? { payload: { enabled: false } } : {}),
      });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${hook.id}/rotate-secret`,
      headers: bearer(a.accessToken),
    });
    expect(rotated.json<{ secret: string }>().secret).not.toBe(hook.secret);
  });
});
