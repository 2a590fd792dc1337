/**
 * Applies verified Stripe webhook events to the database, each exactly once: the event id is
 * recorded in the same transaction as its effect, so a replay (Stripe retries, an attacker
 * resending a captured body) finds it and changes nothing. Subscription events may arrive out
 * of order; each carries the time Stripe produced it, and an older state never overwrites a
 * newer one. Unknown event types are recorded and ignored.
 */
import type Stripe from 'stripe';
import type { Database } from '../db/client.js';
import { isUuid, type PlanId } from '../domain.js';
import { recordSystemActivity } from './activity-repository.js';
import { isLive, planRank, type SubscriptionStatus } from '../billing/entitlement.js';

export type EventOutcome = 'processed' | 'duplicate' | 'ignored' | 'stale';

type Tx = Parameters<Parameters<Database['$transaction']>[0]>[0];

export interface SubscriptionEventsOptions {
  planOfLookupKey: (key: string | null | undefined) => PlanId | undefined;
  log: (message: string, data?: Record<string, unknown>) => void;
}

function customerIdOf(customer: string | { id: string } | null): string | undefined {
  if (!customer) return undefined;
  return typeof customer === 'string' ? customer : customer.id;
}

export class SubscriptionEvents {
  constructor(
    private readonly db: Database,
    private readonly options: SubscriptionEventsOptions,
  ) {}

  async apply(event: Stripe.Event): Promise<EventOutcome> {
    return this.db.$transaction(async (tx) => {
      const inserted = await tx.$executeRaw`
        INSERT INTO stripe_events (id, type, created_at) VALUES (${event.id}, ${event.type}, ${new Date(event.created * 1000)})
        ON CONFLICT (id) DO NOTHING`;
      if (inserted === 0) return 'duplicate';
      switch (event.type) {
        case 'checkout.session.completed':
          return this.checkoutCompleted(tx, event.data.object);
        case 'customer.subscription.created':
        case 'customer.subscription.updated':
        case 'customer.subscription.deleted':
        case 'customer.subscription.paused':
        case 'customer.subscription.resumed':
          return this.subscriptionChanged(
            tx,
            event.data.object,
            new Date(event.created * 1000),
            event.type === 'customer.subscription.deleted',
          );
        case 'invoice.payment_failed':
        case 'invoice.paid':
          return this.invoiceEvent(
            tx,
            event.data.object,
            event.type === 'invoice.paid' ? 'billing.invoice_paid' : 'billing.payment_failed',
          );
        default:
          return 'ignored';
      }
    });
  }

  /** Links the Stripe customer to the organization that opened Checkout. */
  private async checkoutCompleted(tx: Tx, session: Stripe.Checkout.Session): Promise<EventOutcome> {
    const organizationId = session.client_reference_id;
    const customerId = customerIdOf(session.customer);
    if (!organizationId || !isUuid(organizationId) || !customerId) return 'ignored';
    // Only an organization without a customer, or with this one, can be linked.
    const linked = await tx.$executeRaw`
      UPDATE organizations SET stripe_customer_id = ${customerId}
       WHERE id = ${organizationId}::uuid AND (stripe_customer_id IS NULL OR stripe_customer_id = ${customerId})`;
    if (linked === 0) {
      this.options.log('checkout.session.completed for an unknown organization or another customer; ignored', {
        organizationId,
        customerId,
      });
      return 'ignored';
    }
    await recordSystemActivity(
      tx,
      organizationId,
      'billing.checkout_completed',
      { type: 'organization', id: organizationId },
      { session: session.id },
    );
    return 'processed';
  }

  private async subscriptionChanged(
    tx: Tx,
    subscription: Stripe.Subscription,
    stateAt: Date,
    deleted: boolean,
  ): Promise<EventOutcome> {
    const customerId = customerIdOf(subscription.customer);
    const organization = customerId
      ? await tx.organization.findUnique({ where: { stripeCustomerId: customerId }, select: { id: true } })
      : null;
    if (!organization) {
      this.options.log('subscription event for a customer no organization has; ignored', {
        subscription: subscription.id,
        customerId,
      });
      return 'ignored';
    }
    const item = subscription.items?.data?.[0];
    const plan = this.options.planOfLookupKey(item?.price?.lookup_key);
    if (!plan) {
      this.options.log('subscription event with a price that is not a Cutline plan; ignored', {
        subscription: subscription.id,
        lookupKey: item?.price?.lookup_key,
      });
      return 'ignored';
    }
    // API 2025-03-31 and later carry the period on the item; older versions on the subscription.
    const legacy = subscription as unknown as { current_period_start?: number; current_period_end?: number };
    const periodStart = new Date(
      (item?.current_period_start ?? legacy.current_period_start ?? subscription.start_date) * 1000,
    );
    const periodEnd = new Date(
      (item?.current_period_end ?? legacy.current_period_end ?? subscription.start_date) * 1000,
    );
    const status = (deleted ? 'canceled' : subscription.status) as SubscriptionStatus;

    const rows = await tx.$queryRaw<
      Array<{
        id: string;
        status: SubscriptionStatus;
        plan: PlanId;
        currentPeriodEnd: Date;
        pastDueSince: Date | null;
        stateAt: Date;
      }>
    >`
      SELECT id, status::text AS status, plan::text AS plan, current_period_end AS "currentPeriodEnd", past_due_since AS "pastDueSince", state_at AS "stateAt"
        FROM subscriptions WHERE organization_id = ${organization.id}::uuid FOR UPDATE`;
    const current = rows[0];
    if (current && current.stateAt > stateAt) return 'stale';
    // An old subscription ending must not end the one that replaced it.
    if (current && current.id !== subscription.id && !isLive(status) && isLive(current.status)) return 'stale';

    let entitled: PlanId = plan;
    let downgradeTo: PlanId | null = null;
    const samePeriod = current?.id === subscription.id && periodStart < current.currentPeriodEnd;
    if (current && samePeriod && planRank(plan) < planRank(current.plan) && isLive(status)) {
      // A downgrade takes effect when the period that was paid for ends.
      entitled = current.plan;
      downgradeTo = plan;
    }
    const pastDueSince =
      status === 'past_due'
        ? current?.status === 'past_due' && current.pastDueSince
          ? current.pastDueSince
          : stateAt
        : null;
    const cancelAtPeriodEnd = subscription.cancel_at_period_end === true;
    await tx.$executeRaw`
      INSERT INTO subscriptions (id, organization_id, customer_id, status, plan, current_period_start, current_period_end, cancel_at_period_end, downgrade_to, past_due_since, state_at, updated_at)
      VALUES (${subscription.id}, ${organization.id}::uuid, ${customerId}, ${status}::"SubscriptionStatus", ${entitled}::"PlanId", ${periodStart}, ${periodEnd},
              ${cancelAtPeriodEnd}, ${downgradeTo}::"PlanId", ${pastDueSince}, ${stateAt}, now())
      ON CONFLICT (organization_id) DO UPDATE SET
        id = EXCLUDED.id, customer_id = EXCLUDED.customer_id, status = EXCLUDED.status, plan = EXCLUDED.plan,
        current_period_start = EXCLUDED.current_period_start, current_period_end = EXCLUDED.current_period_end,
        cancel_at_period_end = EXCLUDED.cancel_at_period_end, downgrade_to = EXCLUDED.downgrade_to,
        past_due_since = EXCLUDED.past_due_since, state_at = EXCLUDED.state_at, updated_at = now()`;
    await recordSystemActivity(
      tx,
      organization.id,
      'billing.subscription_changed',
      { type: 'subscription', id: subscription.id },
      {
        status,
        plan: entitled,
        downgradeTo,
        cancelAtPeriodEnd,
        periodEnd: periodEnd.toISOString(),
        // What it was, so a new or upgraded subscription can be confirmed to its owners.
        previousStatus: current?.status ?? null,
        previousPlan: current?.plan ?? null,
      },
    );
    return 'processed';
  }

  private async invoiceEvent(tx: Tx, invoice: Stripe.Invoice, action: string): Promise<EventOutcome> {
    const customerId = customerIdOf(invoice.customer);
    const organization = customerId
      ? await tx.organization.findUnique({ where: { stripeCustomerId: customerId }, select: { id: true } })
      : null;
    if (!organization) return 'ignored';
    await recordSystemActivity(
      tx,
      organization.id,
      action,
      { type: 'invoice', id: invoice.id ?? '' },
      { amountDueCents: invoice.amount_due, currency: invoice.currency },
    );
    return 'processed';
  }
}
