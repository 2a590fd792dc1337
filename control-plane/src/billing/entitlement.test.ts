import { describe, expect, it } from 'vitest';
import { effectivePlan, usagePeriod, type SubscriptionState } from './entitlement.js';

const DAY = 86_400_000;
const GRACE = 7 * DAY;
const start = new Date('2026-11-10T00:00:00Z');
const end = new Date('2026-12-10T00:00:00Z');
const sub = (over: Partial<SubscriptionState> = {}): SubscriptionState => ({
  id: 'sub_1',
  status: 'active',
  plan: 'pro',
  currentPeriodStart: start,
  currentPeriodEnd: end,
  cancelAtPeriodEnd: false,
  downgradeTo: null,
  pastDueSince: null,
  ...over,
});
const at = (iso: string) => new Date(iso);

describe('effectivePlan', () => {
  it('is the operator’s plan without a subscription, and the higher of the two with one', () => {
    expect(effectivePlan('free', undefined, at('2026-11-20T00:00:00Z'), GRACE)).toBe('free');
    expect(effectivePlan('free', sub(), at('2026-11-20T00:00:00Z'), GRACE)).toBe('pro');
    expect(effectivePlan('enterprise', sub(), at('2026-11-20T00:00:00Z'), GRACE)).toBe('enterprise');
  });

  it('keeps the paid plan until the period ends after a downgrade or a cancel at period end', () => {
    expect(effectivePlan('free', sub({ downgradeTo: 'starter' }), at('2026-12-09T23:59:59Z'), GRACE)).toBe('pro');
    expect(effectivePlan('free', sub({ downgradeTo: 'starter' }), at('2026-12-10T00:00:00Z'), GRACE)).toBe('starter');
    expect(effectivePlan('free', sub({ cancelAtPeriodEnd: true }), at('2026-12-09T00:00:00Z'), GRACE)).toBe('pro');
    expect(effectivePlan('free', sub({ cancelAtPeriodEnd: true }), at('2026-12-10T00:00:00Z'), GRACE)).toBe('free');
  });

  it('holds the plan through the past_due grace period, then falls to free; canceled is free', () => {
    const pastDue = sub({ status: 'past_due', pastDueSince: at('2026-12-10T00:00:00Z') });
    expect(effectivePlan('free', pastDue, at('2026-12-16T00:00:00Z'), GRACE)).toBe('pro');
    expect(effectivePlan('free', pastDue, at('2026-12-17T00:00:01Z'), GRACE)).toBe('free');
    expect(effectivePlan('starter', sub({ status: 'canceled' }), at('2026-11-20T00:00:00Z'), GRACE)).toBe('starter');
    expect(effectivePlan('free', sub({ status: 'unpaid' }), at('2026-11-20T00:00:00Z'), GRACE)).toBe('free');
  });
});

describe('usagePeriod', () => {
  it('follows the Stripe period for a paid plan and the calendar month for free', () => {
    expect(usagePeriod(sub(), 'pro', at('2026-11-20T00:00:00Z'), GRACE)).toEqual({ start, end });
    expect(usagePeriod(undefined, 'free', at('2026-11-20T00:00:00Z'), GRACE)).toEqual({
      start: at('2026-11-01T00:00:00Z'),
      end: at('2026-12-01T00:00:00Z'),
    });
    expect(usagePeriod(sub({ status: 'canceled' }), 'free', at('2026-11-20T00:00:00Z'), GRACE).start).toEqual(
      at('2026-11-01T00:00:00Z'),
    );
  });

  it('rolls forward by the period’s length when the renewal has not arrived', () => {
    const length = end.getTime() - start.getTime();
    expect(usagePeriod(sub(), 'pro', at('2026-12-11T00:00:00Z'), GRACE)).toEqual({
      start: end,
      end: new Date(end.getTime() + length),
    });
    expect(usagePeriod(sub(), 'pro', new Date(end.getTime() + 2 * length + 1), GRACE)).toEqual({
      start: new Date(end.getTime() + 2 * length),
      end: new Date(end.getTime() + 3 * length),
    });
  });

  it('uses the calendar month when the operator’s plan, not the subscription, governs', () => {
    expect(usagePeriod(sub(), 'enterprise', at('2026-11-20T00:00:00Z'), GRACE).start).toEqual(
      at('2026-11-01T00:00:00Z'),
    );
  });
});
