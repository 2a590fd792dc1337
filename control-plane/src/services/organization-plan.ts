/**
 * The caller's organization and what governs it now: the effective plan (its own, raised by a
 * Stripe subscription — see billing/entitlement.ts) and the usage period its renders count in.
 * 404 if the organization is gone.
 */
import { effectivePlan, subscribedPlan, usagePeriod, type SubscriptionState } from '../billing/entitlement.js';
import type { Organization } from '../domain.js';
import { notFound } from '../errors.js';
import type { Plan, PlanTable } from '../plans.js';
import type { AccountsRepository, OrganizationStanding } from '../repositories/accounts-repository.js';
import type { Period } from '../repositories/usage-repository.js';

export interface Entitlement {
  organization: Organization;
  plan: Plan;
  period: Period;
  subscription: SubscriptionState | undefined;
  /** Renders beyond the quota are allowed and billed (the plan has overage and a subscription pays for it). */
  overage: boolean;
}

export class OrganizationPlans {
  constructor(
    private readonly accounts: AccountsRepository,
    readonly table: PlanTable,
    private readonly options: { pastDueGraceMs: number; billingEnabled: boolean; now?: () => Date },
  ) {}

  /** The plan that governs the organization now, from what authentication already read. */
  planOf(standing: OrganizationStanding): Plan {
    const now = this.options.now?.() ?? new Date();
    return this.table[
      effectivePlan(standing.organization.plan, standing.subscription, now, this.options.pastDueGraceMs)
    ];
  }

  /** `standing`: the organization as the request's authentication already read it (saves a round trip). */
  async resolve(organizationId: string, standing?: OrganizationStanding): Promise<Entitlement> {
    const found =
      standing?.organization.id === organizationId
        ? standing
        : await this.accounts.findOrganizationWithSubscription(organizationId);
    if (!found) throw notFound('Organization');
    const now = this.options.now?.() ?? new Date();
    const planId = effectivePlan(found.organization.plan, found.subscription, now, this.options.pastDueGraceMs);
    return {
      organization: found.organization,
      plan: this.table[planId],
      period: usagePeriod(found.subscription, planId, now, this.options.pastDueGraceMs),
      subscription: found.subscription,
      overage:
        this.options.billingEnabled &&
        this.table[planId].overage &&
        found.subscription !== undefined &&
        subscribedPlan(found.subscription, now, this.options.pastDueGraceMs) === planId,
    };
  }
}
