/**
 * Which plan governs an organization right now, and which usage period its renders count in —
 * pure functions of the organization's own plan, its Stripe subscription (as the newest webhook
 * described it) and the clock. Computing this on read, instead of flipping a column from a
 * timer, means a downgrade at period end or the end of a grace period takes effect on the
 * dot, with nothing to run and nothing to miss.
 */
import { PLAN_IDS, type PlanId } from '../domain.js';
import { calendarPeriod } from '../plans.js';
import type { Period } from '../repositories/usage-repository.js';

export type SubscriptionStatus =
  'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'canceled' | 'unpaid' | 'paused';

export interface SubscriptionState {
  id: string;
  status: SubscriptionStatus;
  plan: PlanId;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  cancelAtPeriodEnd: boolean;
  downgradeTo: PlanId | null;
  pastDueSince: Date | null;
}

/** Statuses of a subscription that still pays (or, past_due, is expected to pay) for its plan. */
export function isLive(status: SubscriptionStatus): boolean {
  return status === 'active' || status === 'trialing' || status === 'past_due';
}

export function planRank(plan: PlanId): number {
  return PLAN_IDS.indexOf(plan);
}

export function higherPlan(a: PlanId, b: PlanId): PlanId {
  return planRank(a) >= planRank(b) ? a : b;
}

/** The plan the subscription pays for at `now` ('free' once it no longer pays for one). */
export function subscribedPlan(subscription: SubscriptionState, now: Date, graceMs: number): PlanId {
  switch (subscription.status) {
    case 'active':
    case 'trialing': {
      const periodOver = now >= subscription.currentPeriodEnd;
      if (subscription.cancelAtPeriodEnd && periodOver) return 'free';
      if (subscription.downgradeTo && periodOver) return subscription.downgradeTo;
      return subscription.plan;
    }
    case 'past_due': {
      // Payment failed: the plan holds for the grace period, then free limits apply.
      const since = subscription.pastDueSince ?? subscription.currentPeriodEnd;
      return now.getTime() - since.getTime() <= graceMs ? subscription.plan : 'free';
    }
    default:
      return 'free';
  }
}

/** The organization's plan: its own (an operator's choice), raised by what it pays for. */
export function effectivePlan(
  ownPlan: PlanId,
  subscription: SubscriptionState | undefined,
  now: Date,
  graceMs: number,
): PlanId {
  return subscription ? higherPlan(ownPlan, subscribedPlan(subscription, now, graceMs)) : ownPlan;
}

/**
 * The period renders count in: the Stripe billing period while a paid subscription governs the
 * organization, the calendar month otherwise. When Stripe's renewal has not arrived yet, the
 * period rolls forward by its own length, so counters still reset on time.
 */
export function usagePeriod(
  subscription: SubscriptionState | undefined,
  plan: PlanId,
  now: Date,
  graceMs: number,
): Period {
  if (!subscription || plan === 'free' || subscribedPlan(subscription, now, graceMs) !== plan)
    return calendarPeriod(now);
  let start = subscription.currentPeriodStart.getTime();
  let end = subscription.currentPeriodEnd.getTime();
  const length = end - start;
  if (length <= 0 || now.getTime() < start) return calendarPeriod(now);
  if (now.getTime() >= end) {
    const skipped = Math.floor((now.getTime() - end) / length) + 1;
    start = end + (skipped - 1) * length;
    end = start + length;
  }
  return { start: new Date(start), end: new Date(end) };
}
