/**
 * Plans, quotas and Stripe billing through the API: outbound calls against stripe-mock, webhooks
 * signed here with the endpoint's secret (stripe-mock sends none), the app's clock moved by the
 * test to cross period ends and grace periods.
 */
import { OverageRepository } from '../../control-plane/src/repositories/overage-repository.js';
import { readFile } from 'node:fs/promises';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureCorpus, type CorpusName } from '../render/corpus.js';
import { waitFor } from '../fixture/ports.js';
import { addMember, bearer, errorCode, register, startApp, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
const WEBHOOK_SECRET = 'whsec_cutline_test_secret';
const DAY = 86_400_000;
const PERIOD_START = new Date('2026-11-10T00:00:00Z');
const PERIOD_END = new Date('2026-12-10T00:00:00Z');

let t: TestApp;
let corpus: Record<CorpusName, string>;
let clock = new Date('2026-11-20T12:00:00Z');
let eventCounter = 0;

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

function subscriptionEvent(
  type: string,
  input: {
    customer: string;
    subscription?: string;
    status?: string;
    plan?: string;
    created: Date;
    periodStart?: Date;
    periodEnd?: Date;
    cancelAtPeriodEnd?: boolean;
    id?: string;
  },
) {
  return {
    id: input.id ?? `evt_test_${++eventCounter}_${Date.now()}`,
    object: 'event',
    api_version: '2025-09-30.clover',
    created: seconds(input.created),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: {
      object: {
        id: input.subscription ?? 'sub_test_1',
        object: 'subscription',
        customer: input.customer,
        status: input.status ?? 'active',
        cancel_at_period_end: input.cancelAtPeriodEnd ?? false,
        start_date: seconds(PERIOD_START),
        items: {
          object: 'list',
          data: [
            {
              id: 'si_test_1',
              object: 'subscription_item',
              price: {
                id: `price_${input.plan ?? 'pro'}`,
                object: 'price',
                lookup_key: `cutline_${input.plan ?? 'pro'}_monthly`,
              },
              current_period_start: seconds(input.periodStart ?? PERIOD_START),
              current_period_end: seconds(input.periodEnd ?? PERIOD_END),
            },
          ],
        },
      },
    },
  };
}

function sign(payload: string, timestamp = Math.floor(Date.now() / 1000), secret = WEBHOOK_SECRET): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

function postWebhook(payload: string, signature: string | null = sign(payload)) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/billing/webhook',
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
    payload,
  });
}

async function deliver(event: object) {
  const response = await postWebhook(JSON.stringify(event));
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ outcome: string }>().outcome;
}

async function usage(account: Account) {
  const response = await t.app.inject({ method: 'GET', url: '/v1/usage', headers: bearer(account.accessToken) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{
    plan: string;
    period: { start: string; end: string };
    renders: { limit: number | null; used: number; remaining: number | null };
  }>();
}

/** Registers an organization and subscribes it through Checkout (stripe-mock) and webhooks. */
async function subscribed(name: string, plan = 'pro'): Promise<{ account: Account; customer: string }> {
  const account = await register(t.app, name);
  const checkout = await t.app.inject({
    method: 'POST',
    url: '/v1/billing/checkout',
    headers: bearer(account.accessToken),
    payload: { plan },
  });
  expect(checkout.statusCode, checkout.body).toBe(200);
  const customer = (await t.db.organization.findUnique({ where: { id: account.organizationId } }))!.stripeCustomerId!;
  await deliver({
    id: `evt_checkout_${++eventCounter}`,
    object: 'event',
    api_version: '2025-09-30.clover',
    created: seconds(clock),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
    data: {
      object: {
        id: `cs_test_${eventCounter}`,
        object: 'checkout.session',
        client_reference_id: account.organizationId,
        customer,
        mode: 'subscription',
      },
    },
  });
  expect(
    await deliver(
      subscriptionEvent('customer.subscription.created', {
        customer,
        subscription: `sub_${account.organizationId.slice(0, 8)}`,
        plan,
        created: clock,
      }),
    ),
  ).toBe('processed');
  return { account, customer };
}

async function readyVideo(account: Account): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/assets?kind=video&filename=clip.mp4',
    headers: { ...bearer(account.accessToken), 'content-type': 'video/mp4' },
    payload: await readFile(corpus.oneSecond),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

beforeAll(async () => {
  corpus = await ensureCorpus();
  t = await startApp(
    services.postgresUrl,
    {
      CUTLINE_AUTH_RATE_LIMIT: '10000',
      BILLING: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_cutline',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: services.stripeUrl,
      CUTLINE_BILLING_GRACE: '7d',
    },
    { starter: { rendersPerMonth: 10 }, business: { rendersPerMonth: 2, overage: true } },
    { now: () => clock },
  );
});
afterAll(() => t?.close());

describe('subscribing', () => {
  it('opens Stripe Checkout for admins, creates the customer once, and refuses members and unknown plans', async () => {
    const owner = await register(t.app, 'Checkout');
    const first = await t.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: bearer(owner.accessToken),
      payload: { plan: 'starter' },
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      action: 'checkout',
      url: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//),
    });
    const customer = (await t.db.organization.findUnique({ where: { id: owner.organizationId } }))!.stripeCustomerId;
    expect(customer).toMatch(/^cus_/);
    await t.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: bearer(owner.accessToken),
      payload: { plan: 'pro' },
    });
    expect((await t.db.organization.findUnique({ where: { id: owner.organizationId } }))!.stripeCustomerId).toBe(
      customer,
    );

    const unknown = await t.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: bearer(owner.accessToken),
      payload: { plan: 'enterprise' },
    });
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([400, 'CUTLINE_VALIDATION_FAILED']);

    const member = await register(t.app, 'Member');
    const memberToken = await addMember(t.app, owner, member);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: bearer(memberToken),
      payload: { plan: 'pro' },
    });
    expect([refused.statusCode, errorCode(refused)]).toEqual([403, 'CUTLINE_FORBIDDEN']);
    // Members still see the plan.
    expect((await t.app.inject({ method: 'GET', url: '/v1/billing', headers: bearer(memberToken) })).statusCode).toBe(
      200,
    );
  });

  it('a subscription raises the plan, and usage follows the Stripe period; the portal and invoices are the organization’s own', async () => {
    const { account } = await subscribed('Subscriber', 'pro');
    const now = await usage(account);
    expect(now).toMatchObject({
      plan: 'pro',
      period: { start: PERIOD_START.toISOString(), end: PERIOD_END.toISOString() },
      renders: { limit: 100, used: 0, remaining: 100 },
    });
    const billing = await t.app.inject({ method: 'GET', url: '/v1/billing', headers: bearer(account.accessToken) });
    expect(billing.json()).toMatchObject({
      enabled: true,
      plan: 'pro',
      basePlan: 'free',
      subscription: { status: 'active', plan: 'pro', downgradeTo: null },
    });

    const portal = await t.app.inject({
      method: 'POST',
      url: '/v1/billing/portal',
      headers: bearer(account.accessToken),
    });
    expect(portal.statusCode, portal.body).toBe(200);
    expect(portal.json<{ url: string }>().url).toMatch(/^https:\/\//);
    const invoices = await t.app.inject({
      method: 'GET',
      url: '/v1/billing/invoices',
      headers: bearer(account.accessToken),
    });
    expect(invoices.statusCode, invoices.body).toBe(200);
    expect(invoices.json<Array<{ id: string }>>()[0]!.id).toMatch(/^in_/);

    // Another organization reaches neither this subscription nor a portal of its own.
    const other = await register(t.app, 'Stranger');
    expect((await usage(other)).plan).toBe('free');
    const otherPortal = await t.app.inject({
      method: 'POST',
      url: '/v1/billing/portal',
      headers: bearer(other.accessToken),
    });
    expect([otherPortal.statusCode, errorCode(otherPortal)]).toEqual([409, 'CUTLINE_NO_BILLING_ACCOUNT']);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/billing/invoices', headers: bearer(other.accessToken) })).json(),
    ).toEqual([]);
  });

  it('changing plan on a live subscription goes through Stripe, not a second Checkout', async () => {
    const { account } = await subscribed('Upgrader', 'starter');
    const upgrade = await t.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: bearer(account.accessToken),
      payload: { plan: 'business' },
    });
    expect(upgrade.statusCode, upgrade.body).toBe(200);
    expect(upgrade.json()).toEqual({ action: 'changed' });
    // Until Stripe confirms the change (webhook), the subscription is still on starter.
    const same = await t.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: bearer(account.accessToken),
      payload: { plan: 'starter' },
    });
    expect([same.statusCode, errorCode(same)]).toEqual([409, 'CUTLINE_ALREADY_SUBSCRIBED']);
  });
});

describe('webhooks', () => {
  it('refuse forged, truncated, stale, unsigned and oversized bodies, and change nothing', async () => {
    const { account, customer } = await subscribed('Forged', 'starter');
    const before = await t.db.subscription.findUnique({ where: { organizationId: account.organizationId } });
    const events = await t.db.stripeEvent.count();
    const body = JSON.stringify(
      subscriptionEvent('customer.subscription.updated', {
        customer,
        subscription: before!.id,
        plan: 'business',
        created: new Date(clock.getTime() + 60_000),
      }),
    );

    const forged = await postWebhook(body, sign(body, undefined, 'whsec_somebody_else'));
    expect([forged.statusCode, errorCode(forged)]).toEqual([400, 'CUTLINE_WEBHOOK_SIGNATURE_INVALID']);
    const truncated = await postWebhook(body.slice(0, -20), sign(body));
    expect([truncated.statusCode, errorCode(truncated)]).toEqual([400, 'CUTLINE_WEBHOOK_SIGNATURE_INVALID']);
    const stale = await postWebhook(body, sign(body, Math.floor(Date.now() / 1000) - 3600));
    expect(errorCode(stale)).toBe('CUTLINE_WEBHOOK_SIGNATURE_INVALID');
    const unsigned = await postWebhook(body, null);
    expect([unsigned.statusCode, errorCode(unsigned)]).toEqual([400, 'CUTLINE_WEBHOOK_SIGNATURE_INVALID']);
    const huge = JSON.stringify({ ...JSON.parse(body), padding: 'x'.repeat(300 * 1024) });
    const oversized = await postWebhook(huge, sign(huge));
    expect([oversized.statusCode, errorCode(oversized)]).toEqual([413, 'CUTLINE_BODY_TOO_LARGE']);

    expect(await t.db.subscription.findUnique({ where: { organizationId: account.organizationId } })).toEqual(before);
    expect(await t.db.stripeEvent.count()).toBe(events);
  });

  it('applies each event once however often it is delivered, and ignores unknown types', async () => {
    const { account, customer } = await subscribed('Replayed', 'starter');
    const event = subscriptionEvent('customer.subscription.updated', {
      customer,
      subscription: `sub_${account.organizationId.slice(0, 8)}`,
      plan: 'business',
      created: new Date(clock.getTime() + 60_000),
    });
    const outcomes = [await deliver(event), await deliver(event), await deliver(event)];
    expect(outcomes).toEqual(['processed', 'duplicate', 'duplicate']);
    expect(await t.db.stripeEvent.count({ where: { id: event.id } })).toBe(1);
    const changes = await t.db.activity.count({
      where: { organizationId: account.organizationId, action: 'billing.subscription_changed' },
    });
    expect(changes).toBe(2); // created, then this update — once
    expect((await usage(account)).plan).toBe('business');

    expect(
      await deliver({
        ...event,
        id: `evt_unknown_${Date.now()}`,
        type: 'customer.tax_id.created',
        data: { object: { id: 'txi_1', object: 'tax_id' } },
      }),
    ).toBe('ignored');
    expect((await usage(account)).plan).toBe('business');
  });

  it('out of order: the newest subscription state wins', async () => {
    const { account, customer } = await subscribed('Disorder', 'pro');
    const subscription = `sub_${account.organizationId.slice(0, 8)}`;
    const newer = subscriptionEvent('customer.subscription.updated', {
      customer,
      subscription,
      plan: 'pro',
      status: 'past_due',
      created: new Date(clock.getTime() + 120_000),
    });
    const older = subscriptionEvent('customer.subscription.updated', {
      customer,
      subscription,
      plan: 'pro',
      status: 'active',
      created: new Date(clock.getTime() + 60_000),
    });
    expect(await deliver(newer)).toBe('processed');
    expect(await deliver(older)).toBe('stale');
    expect((await t.db.subscription.findUnique({ where: { organizationId: account.organizationId } }))!.status).toBe(
      'past_due',
    );
  });
});

describe('plan lifecycle', () => {
  it('a downgrade keeps the paid plan until the period ends; past_due keeps it for the grace period; canceled is free', async () => {
    const saved = clock;
    try {
      const { account, customer } = await subscribed('Lifecycle', 'business');
      const subscription = `sub_${account.organizationId.slice(0, 8)}`;
      await deliver(
        subscriptionEvent('customer.subscription.updated', {
          customer,
          subscription,
          plan: 'starter',
          created: new Date(clock.getTime() + 1_000),
        }),
      );
      expect((await usage(account)).plan).toBe('business');
      clock = new Date(PERIOD_END.getTime() + 1_000);
      expect((await usage(account)).plan).toBe('starter');

      // Renewal: the new period starts, the downgrade is now the plan, counters start again.
      const next = { periodStart: PERIOD_END, periodEnd: new Date(PERIOD_END.getTime() + 31 * DAY) };
      await deliver(
        subscriptionEvent('customer.subscription.updated', {
          customer,
          subscription,
          plan: 'starter',
          created: clock,
          ...next,
        }),
      );
      expect(await usage(account)).toMatchObject({
        plan: 'starter',
        period: { start: PERIOD_END.toISOString() },
        renders: { limit: 10, used: 0 },
      });

      // Payment fails: the plan holds for 7 days, then free limits apply.
      await deliver(
        subscriptionEvent('customer.subscription.updated', {
          customer,
          subscription,
          plan: 'starter',
          status: 'past_due',
          created: clock,
          ...next,
        }),
      );
      clock = new Date(clock.getTime() + 6 * DAY);
      expect((await usage(account)).plan).toBe('starter');
      clock = new Date(clock.getTime() + 2 * DAY);
      expect((await usage(account)).plan).toBe('free');

      await deliver(
        subscriptionEvent('customer.subscription.deleted', {
          customer,
          subscription,
          plan: 'starter',
          status: 'canceled',
          created: clock,
          ...next,
        }),
      );
      expect(
        (await t.app.inject({ method: 'GET', url: '/v1/billing', headers: bearer(account.accessToken) })).json(),
      ).toMatchObject({ plan: 'free', subscription: { status: 'canceled' } });
    } finally {
      clock = saved;
    }
  });

  it('cancel at period end keeps the plan to the end of the period', async () => {
    const { account, customer } = await subscribed('Leaving', 'pro');
    const subscription = `sub_${account.organizationId.slice(0, 8)}`;
    await deliver(
      subscriptionEvent('customer.subscription.updated', {
        customer,
        subscription,
        plan: 'pro',
        cancelAtPeriodEnd: true,
        created: new Date(clock.getTime() + 1_000),
      }),
    );
    expect((await usage(account)).plan).toBe('pro');
    const saved = clock;
    clock = new Date(PERIOD_END.getTime() + 1);
    try {
      expect((await usage(account)).plan).toBe('free');
    } finally {
      clock = saved;
    }
  });
});

describe('quota', () => {
  it('100 concurrent submissions at the quota edge never overshoot; cancel refunds; alerts at 80 % and 100 %', async () => {
    const { account } = await subscribed('Edge', 'starter');
    const assetId = await readyVideo(account);
    const submit = (script: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(account.accessToken),
        payload: { assetId, script },
      });
    for (let i = 0; i < 7; i++) expect((await submit(`Warm-up ${i}.`)).statusCode).toBe(201);
    expect(
      await t.db.activity.count({ where: { organizationId: account.organizationId, action: 'usage.alert' } }),
    ).toBe(0);
    await submit('The eighth, at 80 %.');
    await waitFor(
      async () =>
        (await t.db.activity.count({ where: { organizationId: account.organizationId, action: 'usage.alert' } })) === 1,
      'the 80 % alert',
      10_000,
    );

    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => submit(`Burst ${i}.`)));
    const admitted = burst.filter((r) => r.statusCode === 201);
    expect(admitted).toHaveLength(2);
    expect(new Set(burst.filter((r) => r.statusCode !== 201).map((r) => `${r.statusCode} ${errorCode(r)}`))).toEqual(
      new Set(['402 CUTLINE_QUOTA_EXCEEDED']),
    );
    expect((await usage(account)).renders).toMatchObject({ limit: 10, used: 10, remaining: 0 });
    await waitFor(
      async () => {
        const alerts = await t.db.activity.findMany({
          where: { organizationId: account.organizationId, action: 'usage.alert' },
        });
        return (
          alerts
            .map((a) => (a.data as { percent: number }).percent)
            .sort()
            .join() === '100,80'
        );
      },
      'the 100 % alert',
      10_000,
    );

    const canceled = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${admitted[0]!.json<{ id: string }>().id}/cancel`,
      headers: bearer(account.accessToken),
    });
    expect(canceled.statusCode).toBe(200);
    expect((await usage(account)).renders).toMatchObject({ used: 9, remaining: 1 });
    // Alerts are once per period, even after a refund takes usage back under the line.
    expect((await submit('Room again.')).statusCode).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      await t.db.activity.count({ where: { organizationId: account.organizationId, action: 'usage.alert' } }),
    ).toBe(2);
  });
});

describe('metered overage', () => {
  it('a plan with overage admits renders beyond the quota and reports each one, once, to Stripe', async () => {
    const { account } = await subscribed('Overage', 'business');
    const assetId = await readyVideo(account);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(account.accessToken),
        payload: { assetId, script: `Overage ${i}.` },
      });
      expect(response.statusCode, response.body).toBe(201);
      ids.push(response.json<{ id: string }>().id);
    }
    expect((await usage(account)).renders).toMatchObject({ limit: 2, used: 3, remaining: 0, overage: true });

    // Run them to success through the transition the dispatcher and the operator use.
    await t.db.render.updateMany({ where: { id: { in: ids } }, data: { state: 'running' } });
    for (const id of ids) expect(await t.lifecycle.succeed(id, [], 1, clock)).toBe(true);
    const reports = await t.db.overageReport.findMany({ where: { organizationId: account.organizationId } });
    expect(reports.map((r) => r.renderId)).toEqual([ids[2]]);

    const { StripeGateway } = await import('../../control-plane/src/billing/stripe-gateway.js');
    const { OverageReporter } = await import('../../control-plane/src/workers/overage-reporter.js');
    const { loadConfig } = await import('../../control-plane/src/config.js');
    const billing = (api: string) =>
      loadConfig({
        BILLING: 'stripe',
        STRIPE_SECRET_KEY: 'sk_test_cutline',
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: api,
      }).billing as Extract<ReturnType<typeof loadConfig>['billing'], { kind: 'stripe' }>;

    // Stripe unreachable: nothing is lost, the attempt is counted.
    const failing = new OverageReporter(
      new OverageRepository(t.db),
      new StripeGateway({ ...billing('http://127.0.0.1:9') }),
    );
    expect(await failing.runOnce()).toBe(0);
    expect(await t.db.overageReport.findUnique({ where: { renderId: ids[2]! } })).toMatchObject({
      reportedAt: null,
      attempts: 1,
    });

    const reporter = new OverageReporter(new OverageRepository(t.db), new StripeGateway(billing(services.stripeUrl)));
    expect(await reporter.runOnce()).toBeGreaterThanOrEqual(1);
    expect((await t.db.overageReport.findUnique({ where: { renderId: ids[2]! } }))!.reportedAt).not.toBeNull();
    expect(await reporter.runOnce()).toBe(0);
  });
});

describe('billing off', () => {
  it('BILLING=none: plans come from configuration, no billing route reaches Stripe, and there is no webhook', async () => {
    const local = await startApp(
      services.postgresUrl,
      { CUTLINE_AUTH_RATE_LIMIT: '10000', STRIPE_API_BASE: 'http://127.0.0.1:9' },
      { free: { rendersPerMonth: 42, batch: true } },
    );
    try {
      const account = await register(local.app, 'SelfHosted');
      const summary = await local.app.inject({
        method: 'GET',
        url: '/v1/billing',
        headers: bearer(account.accessToken),
      });
      expect(summary.json()).toMatchObject({ enabled: false, plan: 'free', subscription: null });
      expect(summary.json<{ plans: Array<{ purchasable: boolean }> }>().plans.every((p) => !p.purchasable)).toBe(true);
      const usageResponse = await local.app.inject({
        method: 'GET',
        url: '/v1/usage',
        headers: bearer(account.accessToken),
      });
      expect(usageResponse.json()).toMatchObject({
        plan: 'free',
        renders: { limit: 42, remaining: 42 },
        limits: { batch: true },
      });
      for (const url of ['/v1/billing/checkout', '/v1/billing/portal']) {
        const response = await local.app.inject({
          method: 'POST',
          url,
          headers: bearer(account.accessToken),
          payload: url.endsWith('checkout') ? { plan: 'pro' } : undefined,
        });
        expect([response.statusCode, errorCode(response)], url).toEqual([409, 'CUTLINE_BILLING_DISABLED']);
      }
      const webhook = await local.app.inject({
        method: 'POST',
        url: '/v1/billing/webhook',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' },
        payload: '{}',
      });
      expect(webhook.statusCode).toBe(404);
    } finally {
      await local.close();
    }
  });
});
