/** The plans, cheapest first (their limits are the server's: GET /v1/plans). */
export const PLAN_IDS = ['free', 'starter', 'pro', 'business', 'enterprise'] as const;
export type PlanId = (typeof PLAN_IDS)[number];
