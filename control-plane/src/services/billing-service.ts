/**
 * What an organization can do about its plan: see it, subscribe or change it (Stripe Checkout
 * for a first subscription; a plan change on the existing one), open the Customer Portal, list
 * invoices. With BILLING=none there is no gateway, and every paid action answers
 * CUTLINE_BILLING_DISABLED: plans then come from the operator (configuration, the console).
 */
import { isLive, planRank, type SubscriptionState } from '../billing/entitlement.js';
import type { InvoiceView, StripeGateway } from '../billing/stripe-gateway.js';
import { STRIPE_PLANS, type StripePlanId } from '../config.js';
import type { Principal } from '../domain.js';
import { ApiError } from '../errors.js';
import type { ActivityRepository } from '../repositories/activity-repository.js';
import type { AccountsRepository } from '../repositories/accounts-repository.js';
import type { OrganizationPlans } from './organization-plan.js';

export interface BillingSummary {
  enabled: boolean;
  plan: string;
  /** The plan an operator set; a subscription can only raise it. */
  basePlan: string;
  period: { start: string; end: string };
  subscription: {
    status: string;
    plan: string;
    currentPeriodEnd: string;
    cancelAtPeriodEnd: boolean;
    downgradeTo: string | null;
    /** past_due: when the plan falls to free limits unless a payment succeeds. */
    graceEndsAt: string | null;
  } | null;
  plans: Array<{ id: string; priceMonthlyUsd: number | null; purchasable: boolean }>;
}

export class BillingService {
  constructor(
    private readonly activity: ActivityRepository,
    private readonly accounts: AccountsRepository,
    private readonly organizationPlans: OrganizationPlans,
    private readonly gateway: StripeGateway | undefined,
    private readonly options: { publicUrl: string; pastDueGraceMs: number },
  ) {}

  get enabled(): boolean {
    return this.gateway !== undefined;
  }

  async summary(organizationId: string): Promise<BillingSummary> {
    const { organization, plan, period, subscription } = await this.organizationPlans.resolve(organizationId);
    return {
      enabled: this.enabled,
      plan: plan.id,
      basePlan: organization.plan,
      period: { start: period.start.toISOString(), end: period.end.toISOString() },
      subscription: subscription ? this.subscriptionView(subscription) : null,
      plans: Object.values(this.organizationPlans.table).map((p) => ({
        id: p.id,
        priceMonthlyUsd: p.priceMonthlyUsd,
        purchasable: this.enabled && (STRIPE_PLANS as readonly string[]).includes(p.id),
      })),
    };
  }

  /** Subscribe (Checkout URL) or move an existing subscription to `plan`. */
  async changePlan(
    principal: Principal,
    plan: StripePlanId,
  ): Promise<{ action: 'checkout'; url: string } | { action: 'changed' }> {
    const gateway = this.requireGateway();
    const { organization, subscription } = await this.organizationPlans.resolve(principal.organizationId);
    if (subscription && isLive(subscription.status)) {
      if (subscription.plan === plan && !subscription.downgradeTo && !subscription.cancelAtPeriodEnd) {
        throw new ApiError('CUTLINE_ALREADY_SUBSCRIBED', `The organization already subscribes to ${plan}.`);
      }
      await gateway.changePlan(subscription.id, plan, planRank(plan) > planRank(subscription.plan));
      await this.activity.record(
        principal,
        'billing.plan_change_requested',
        { type: 'subscription', id: subscription.id },
        { plan },
      );
      return { action: 'changed' };
    }
    const customerId = await this.ensureCustomer(principal, organization.name);
    const url = await gateway.checkoutUrl({
      customerId,
      organizationId: principal.organizationId,
      plan,
      successUrl: `${this.options.publicUrl}/billing?checkout=success`,
      cancelUrl: `${this.options.publicUrl}/billing?checkout=canceled`,
    });
    await this.activity.record(
      principal,
      'billing.checkout_opened',
      { type: 'organization', id: principal.organizationId },
      { plan },
    );
    return { action: 'checkout', url };
  }

  async portalUrl(principal: Principal): Promise<string> {
    const gateway = this.requireGateway();
    const customerId = await this.customerOf(principal.organizationId);
    if (!customerId)
      throw new ApiError(
        'CUTLINE_NO_BILLING_ACCOUNT',
        'This organization has no billing account yet: subscribe to a plan first.',
      );
    return gateway.portalUrl(customerId, `${this.options.publicUrl}/billing`);
  }

  async invoices(organizationId: string): Promise<InvoiceView[]> {
    const gateway = this.requireGateway();
    const customerId = await this.customerOf(organizationId);
    return customerId ? gateway.invoices(customerId, 24) : [];
  }

  private subscriptionView(s: SubscriptionState): NonNullable<BillingSummary['subscription']> {
    return {
      status: s.status,
      plan: s.plan,
      currentPeriodEnd: s.currentPeriodEnd.toISOString(),
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      downgradeTo: s.downgradeTo,
      graceEndsAt:
        s.status === 'past_due' && s.pastDueSince
          ? new Date(s.pastDueSince.getTime() + this.options.pastDueGraceMs).toISOString()
          : null,
    };
  }

  private requireGateway(): StripeGateway {
    if (!this.gateway)
      throw new ApiError(
        'CUTLINE_BILLING_DISABLED',
        'Billing is off on this server (BILLING=none); plans are set by its operator.',
      );
    return this.gateway;
  }

  private async customerOf(organizationId: string): Promise<string | undefined> {
    return this.accounts.stripeCustomerOf(organizationId);
  }

  /**
   * The organization's Stripe customer, created on first need. Stripe's idempotency key (the
   * organization id) makes concurrent first checkouts get the same customer, and the guarded
   * UPDATE keeps whichever was stored first.
   */
  private async ensureCustomer(principal: Principal, organizationName: string): Promise<string> {
    const existing = await this.customerOf(principal.organizationId);
    if (existing) return existing;
    const email = principal.kind === 'user' ? (await this.accounts.findUser(principal.userId))?.email : undefined;
    const created = await this.requireGateway().createCustomer({
      organizationId: principal.organizationId,
      name: organizationName,
      email,
    });
    await this.accounts.setStripeCustomerIfNone(principal.organizationId, created);
    return (await this.customerOf(principal.organizationId)) ?? created;
  }
}
