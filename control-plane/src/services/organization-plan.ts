/** The caller's organization and the plan that governs it (404 if it is gone). */
import type { Organization } from '../domain.js';
import { notFound } from '../http/errors.js';
import type { Plan, PlanTable } from '../plans.js';
import type { AccountsRepository } from '../repositories/accounts-repository.js';

export async function organizationPlan(accounts: AccountsRepository, plans: PlanTable, organizationId: string): Promise<{ organization: Organization; plan: Plan }> {
  const organization = await accounts.findOrganization(organizationId);
  if (!organization) throw notFound('Organization');
  return { organization, plan: plans[organization.plan] };
}
