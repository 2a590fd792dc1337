/**
 * Every call Cutline makes to Stripe, in one place (the billing port's adapter). Nothing else
 * imports `stripe`; with BILLING=none this module is never loaded, so no Stripe call can happen.
 * Stripe's failures become CUTLINE_BILLING_UNAVAILABLE (502) with Stripe's own message.
 */
import Stripe from 'stripe';
import type { BillingConfig, StripePlanId } from '../config.js';
import { ApiError } from '../errors.js';

export type StripeBillingConfig = Extract<BillingConfig, { kind: 'stripe' }>;

export interface InvoiceView {
  id: string;
  number: string | null;
  status: string | null;
  currency: string;
  totalCents: number;
  amountDueCents: number;
  createdAt: string;
  periodStart: string;
  periodEnd: string;
  hostedUrl: string | null;
  pdfUrl: string | null;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

async function stripeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof Stripe.errors.StripeError)
      throw new ApiError('CUTLINE_BILLING_UNAVAILABLE', `Stripe could not ${what}: ${err.message}`);
    throw err;
  }
}

export class StripeGateway {
  private readonly stripe: Stripe;
  private readonly priceIds = new Map<StripePlanId, string>();

  constructor(private readonly config: StripeBillingConfig) {
    this.stripe = new Stripe(config.secretKey, {
      maxNetworkRetries: 2,
      timeout: 15_000,
      appInfo: { name: 'Cutline' },
      ...(config.api ? { host: config.api.host, port: config.api.port, protocol: config.api.protocol } : {}),
    });
  }

  /** Verifies the Stripe-Signature header over the raw body; throws on any mismatch. */
  verifyWebhook(rawBody: Buffer, signature: string): Stripe.Event {
    return this.stripe.webhooks.constructEvent(rawBody, signature, this.config.webhookSecret, 300);
  }

  /** The plan a price stands for, by its lookup key (undefined: not one of ours). */
  planOfLookupKey(lookupKey: string | null | undefined): StripePlanId | undefined {
    if (!lookupKey) return undefined;
    return (Object.entries(this.config.priceLookupKeys) as Array<[StripePlanId, string]>).find(
      ([, key]) => key === lookupKey,
    )?.[0];
  }

  async createCustomer(input: { organizationId: string; name: string; email: string | undefined }): Promise<string> {
    const customer = await stripeCall('create the customer', () =>
      this.stripe.customers.create(
        {
          name: input.name,
          ...(input.email ? { email: input.email } : {}),
          metadata: { organizationId: input.organizationId },
        },
        { idempotencyKey: `cutline-customer-${input.organizationId}` },
      ),
    );
    return customer.id;
  }

  async deleteCustomer(customerId: string): Promise<void> {
    await stripeCall('delete the customer', () => this.stripe.customers.del(customerId));
  }

  async checkoutUrl(input: {
    customerId: string;
    organizationId: string;
    plan: StripePlanId;
    successUrl: string;
    cancelUrl: string;
  }): Promise<string> {
    const price = await this.priceId(input.plan);
    const session = await stripeCall('open Checkout', () =>
      this.stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: input.customerId,
        client_reference_id: input.organizationId,
        line_items: [{ price, quantity: 1 }],
        subscription_data: { metadata: { organizationId: input.organizationId } },
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        allow_promotion_codes: true,
      }),
    );
    if (!session.url)
      throw new ApiError('CUTLINE_BILLING_UNAVAILABLE', 'Stripe opened a Checkout session without a URL.');
    return session.url;
  }

  /**
   * Moves an existing subscription to another plan. Upgrades are prorated now; downgrades are
   * not (the webhook keeps the higher plan until the period ends).
   */
  async changePlan(subscriptionId: string, plan: StripePlanId, upgrade: boolean): Promise<void> {
    const price = await this.priceId(plan);
    const subscription = await stripeCall('read the subscription', () =>
      this.stripe.subscriptions.retrieve(subscriptionId),
    );
    const item = subscription.items.data[0];
    if (!item) throw new ApiError('CUTLINE_BILLING_UNAVAILABLE', 'The Stripe subscription has no items to change.');
    await stripeCall('change the plan', () =>
      this.stripe.subscriptions.update(subscriptionId, {
        items: [{ id: item.id, price }],
        proration_behavior: upgrade ? 'create_prorations' : 'none',
        cancel_at_period_end: false,
      }),
    );
  }

  async portalUrl(customerId: string, returnUrl: string): Promise<string> {
    const session = await stripeCall('open the billing portal', () =>
      this.stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl }),
    );
    return session.url;
  }

  async invoices(customerId: string, limit: number): Promise<InvoiceView[]> {
    const list = await stripeCall('list invoices', () => this.stripe.invoices.list({ customer: customerId, limit }));
    return list.data.map((invoice) => ({
      id: invoice.id ?? '',
      number: invoice.number ?? null,
      status: invoice.status ?? null,
      currency: invoice.currency,
      totalCents: invoice.total,
      amountDueCents: invoice.amount_due,
      createdAt: iso(invoice.created),
      periodStart: iso(invoice.period_start),
      periodEnd: iso(invoice.period_end),
      hostedUrl: invoice.hosted_invoice_url ?? null,
      pdfUrl: invoice.invoice_pdf ?? null,
    }));
  }

  /** One render beyond the quota, as a billing meter event; the render id makes it idempotent. */
  async reportOverage(customerId: string, renderId: string, at: Date): Promise<void> {
    await stripeCall('report usage', () =>
      this.stripe.billing.meterEvents.create({
        event_name: this.config.overageMeterEvent,
        identifier: `cutline-render-${renderId}`,
        timestamp: Math.floor(at.getTime() / 1000),
        payload: { stripe_customer_id: customerId, value: '1' },
      }),
    );
  }

  private async priceId(plan: StripePlanId): Promise<string> {
    const cached = this.priceIds.get(plan);
    if (cached) return cached;
    const lookupKey = this.config.priceLookupKeys[plan];
    const prices = await stripeCall('find the price', () =>
      this.stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 }),
    );
    const price = prices.data[0];
    if (!price)
      throw new ApiError(
        'CUTLINE_BILLING_UNAVAILABLE',
        `No active Stripe price has the lookup key "${lookupKey}" (plan ${plan}).`,
      );
    this.priceIds.set(plan, price.id);
    return price.id;
  }
}
