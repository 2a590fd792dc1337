/** Users, organizations and memberships. The only module that touches those tables. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { Tx } from './render-states-repository.js';
import type { SubscriptionState } from '../billing/entitlement.js';
import type { Member, MemberRole, Organization, PlanId, User } from '../domain.js';
import { Prisma } from '../generated/prisma/client.js';

export class EmailTakenError extends Error {}

interface UserRow {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
  emailVerifiedAt: Date | null;
  createdAt: Date;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    isPlatformAdmin: row.isPlatformAdmin,
    emailVerified: row.emailVerifiedAt !== null,
    createdAt: row.createdAt,
  };
}

interface SubscriptionRow {
  subscriptionId: string | null;
  status: SubscriptionState['status'] | null;
  subscriptionPlan: PlanId | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean | null;
  downgradeTo: PlanId | null;
  pastDueSince: Date | null;
}

/** An organization with the subscription that may raise its plan (billing/entitlement.ts). */
export interface OrganizationStanding {
  organization: Organization;
  subscription: SubscriptionState | undefined;
}

export type StandingRow = Parameters<typeof toOrganization>[0] & SubscriptionRow;

/** The columns toStanding reads, from `organizations o LEFT JOIN subscriptions s`. */
/** A member's role in an organization, with the organization's standing. */
export interface Membership {
  role: MemberRole;
  /** users.is_platform_admin as it is now (never trusted from a token). */
  isPlatformAdmin: boolean;
  emailVerified: boolean;
  /** Access tokens issued before this are refused (users.sessions_valid_from). */
  sessionsValidFrom: Date | null;
  standing: OrganizationStanding;
}

export const STANDING_COLUMNS = Prisma.sql`o.id::text AS id, o.name, o.slug, o.plan::text AS plan, o.suspended_at AS "suspendedAt", o.created_at AS "createdAt",
  s.id AS "subscriptionId", s.status::text AS status, s.plan::text AS "subscriptionPlan",
  s.current_period_start AS "currentPeriodStart", s.current_period_end AS "currentPeriodEnd",
  s.cancel_at_period_end AS "cancelAtPeriodEnd", s.downgrade_to::text AS "downgradeTo", s.past_due_since AS "pastDueSince"`;

export function toStanding(row: StandingRow): OrganizationStanding {
  const subscription: SubscriptionState | undefined = row.subscriptionId
    ? {
        id: row.subscriptionId,
        status: row.status!,
        plan: row.subscriptionPlan!,
        currentPeriodStart: row.currentPeriodStart!,
        currentPeriodEnd: row.currentPeriodEnd!,
        cancelAtPeriodEnd: row.cancelAtPeriodEnd!,
        downgradeTo: row.downgradeTo,
        pastDueSince: row.pastDueSince,
      }
    : undefined;
  return { organization: toOrganization(row), subscription };
}

function toOrganization(row: {
  id: string;
  name: string;
  slug: string;
  plan: Organization['plan'];
  suspendedAt: Date | null;
  createdAt: Date;
}): Organization {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    plan: row.plan,
    suspended: row.suspendedAt !== null,
    createdAt: row.createdAt,
  };
}

export class AccountsRepository {
  constructor(private readonly db: Database) {}

  /** Creates a user, their organization, and their owner membership in one transaction. */
  async createUserWithOrganization(input: {
    email: string;
    name: string;
    passwordHash: string;
    organizationName: string;
  }): Promise<{ user: User; organization: Organization }> {
    const userId = randomUUID();
    const organizationId = randomUUID();
    const slug = `${slugify(input.organizationName)}-${organizationId.slice(0, 8)}`;
    try {
      const [user, organization] = await this.db.$transaction([
        this.db.user.create({
          data: { id: userId, email: input.email, name: input.name, passwordHash: input.passwordHash },
        }),
        this.db.organization.create({ data: { id: organizationId, name: input.organizationName, slug } }),
        this.db.membership.create({ data: { organizationId, userId, role: 'owner' } }),
      ]);
      return { user: toUser(user), organization: toOrganization(organization) };
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new EmailTakenError();
      throw err;
    }
  }

  /**
   * The address `email` is proved for the user (when it is still theirs); operator rights
   * follow when it is on CUTLINE_PLATFORM_ADMINS. False when the address changed meanwhile.
   */
  static async markEmailVerified(
    tx: Tx,
    userId: string,
    email: string,
    now: Date,
    grantOperator: boolean,
  ): Promise<boolean> {
    const changed = await tx.user.updateMany({
      where: { id: userId, email },
      data: grantOperator ? { emailVerifiedAt: now, isPlatformAdmin: true } : { emailVerifiedAt: now },
    });
    return changed.count === 1;
  }

  /**
   * A new password after a reset: every refresh token is revoked and every access token issued
   * before now refused; the mailed link also proved the address.
   */
  static async replacePassword(tx: Tx, userId: string, passwordHash: string, now: Date): Promise<void> {
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { emailVerifiedAt: true } });
    await tx.user.update({
      where: { id: userId },
      data: { passwordHash, sessionsValidFrom: now, emailVerifiedAt: user.emailVerifiedAt ?? now },
    });
    await tx.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } });
  }

  async preferencesOf(userId: string): Promise<unknown> {
    return (await this.db.user.findUnique({ where: { id: userId }, select: { preferences: true } }))?.preferences;
  }

  async setPreferences(userId: string, preferences: object): Promise<void> {
    await this.db.user.update({ where: { id: userId }, data: { preferences } });
  }

  /** CUTLINE_PLATFORM_ADMINS at start-up: listed accounts that already proved their address. */
  async grantVerifiedOperators(emails: readonly string[]): Promise<number> {
    if (emails.length === 0) return 0;
    const changed = await this.db.user.updateMany({
      where: { email: { in: [...emails] }, emailVerifiedAt: { not: null }, isPlatformAdmin: false },
      data: { isPlatformAdmin: true },
    });
    return changed.count;
  }

  /** Grants or takes operator rights from an account that exists; false when there is none. */
  async setPlatformAdmin(email: string, isPlatformAdmin: boolean): Promise<boolean> {
    const changed = await this.db.user.updateMany({ where: { email }, data: { isPlatformAdmin } });
    return changed.count > 0;
  }

  async platformAdmins(): Promise<string[]> {
    const rows = await this.db.user.findMany({
      where: { isPlatformAdmin: true },
      select: { email: true },
      orderBy: { email: 'asc' },
    });
    return rows.map((r) => r.email);
  }

  async findUserByEmail(email: string): Promise<(User & { passwordHash: string }) | undefined> {
    const row = await this.db.user.findUnique({ where: { email } });
    return row ? { ...toUser(row), passwordHash: row.passwordHash } : undefined;
  }

  async findUser(id: string): Promise<User | undefined> {
    const row = await this.db.user.findUnique({ where: { id } });
    return row ? toUser(row) : undefined;
  }

  // Raw SQL on the per-request lookups: Prisma's query compiler costs more CPU than the query.
  async findOrganization(id: string): Promise<Organization | undefined> {
    const rows = await this.db.$queryRaw<Array<Parameters<typeof toOrganization>[0]>>`
      SELECT id::text AS id, name, slug, plan::text AS plan, suspended_at AS "suspendedAt", created_at AS "createdAt" FROM organizations WHERE id = ${id}::uuid`;
    return rows[0] ? toOrganization(rows[0]) : undefined;
  }

  /** The organization with its Stripe subscription, in one round trip (every submission asks). */
  async findOrganizationWithSubscription(id: string): Promise<OrganizationStanding | undefined> {
    const rows = await this.db.$queryRaw<StandingRow[]>`
      SELECT ${STANDING_COLUMNS} FROM organizations o LEFT JOIN subscriptions s ON s.organization_id = o.id WHERE o.id = ${id}::uuid`;
    return rows[0] ? toStanding(rows[0]) : undefined;
  }

  /** A signed-in user's role in the organization with its standing; undefined when not a member. */
  async membership(userId: string, organizationId: string): Promise<Membership | undefined> {
    return (await this.memberships([{ userId, organizationId }]))[0];
  }

  /**
   * Members' roles with their organizations' standing, in one round trip for any number of
   * (user, organization) pairs (authentication runs it for every signed-in request, grouping
   * concurrent ones). The answer lines up with `pairs`; undefined where there is no membership.
   */
  async memberships(pairs: Array<{ userId: string; organizationId: string }>): Promise<Array<Membership | undefined>> {
    const rows = await this.db.$queryRaw<
      Array<
        StandingRow & {
          userId: string;
          role: MemberRole;
          isPlatformAdmin: boolean;
          emailVerified: boolean;
          sessionsValidFrom: Date | null;
        }
      >
    >`
      SELECT m.user_id::text AS "userId", m.role::text AS role, u.is_platform_admin AS "isPlatformAdmin",
             u.email_verified_at IS NOT NULL AS "emailVerified", u.sessions_valid_from AS "sessionsValidFrom", ${STANDING_COLUMNS}
        FROM unnest(${pairs.map((p) => p.userId)}::uuid[], ${pairs.map((p) => p.organizationId)}::uuid[]) AS q(user_id, organization_id)
        JOIN memberships m ON m.user_id = q.user_id AND m.organization_id = q.organization_id
        JOIN users u ON u.id = m.user_id
        JOIN organizations o ON o.id = m.organization_id LEFT JOIN subscriptions s ON s.organization_id = o.id`;
    const found = new Map(
      rows.map((row) => [
        `${row.userId} ${row.id}`,
        {
          role: row.role,
          isPlatformAdmin: row.isPlatformAdmin,
          emailVerified: row.emailVerified,
          sessionsValidFrom: row.sessionsValidFrom,
          standing: toStanding(row),
        },
      ]),
    );
    return pairs.map((p) => found.get(`${p.userId} ${p.organizationId}`));
  }

  /** The user's role in the organization, or undefined when they are not a member. */
  async roleOf(userId: string, organizationId: string): Promise<MemberRole | undefined> {
    const row = await this.db.membership.findUnique({ where: { organizationId_userId: { organizationId, userId } } });
    return row?.role;
  }

  /** The organization a user lands in when they sign in without choosing one: their oldest. */
  async defaultOrganizationOf(userId: string): Promise<{ organizationId: string; role: MemberRole } | undefined> {
    const row = await this.db.membership.findFirst({ where: { userId }, orderBy: { createdAt: 'asc' } });
    return row ? { organizationId: row.organizationId, role: row.role } : undefined;
  }

  async organizationsOf(userId: string): Promise<Array<Organization & { role: MemberRole }>> {
    const rows = await this.db.membership.findMany({
      where: { userId },
      include: { organization: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((r) => ({ ...toOrganization(r.organization), role: r.role }));
  }

  async listMembers(organizationId: string): Promise<Member[]> {
    const rows = await this.db.membership.findMany({
      where: { organizationId },
      include: { user: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((r) => ({
      userId: r.userId,
      email: r.user.email,
      name: r.user.name,
      role: r.role,
      joinedAt: r.createdAt,
    }));
  }

  async addMember(organizationId: string, userId: string, role: MemberRole): Promise<boolean> {
    try {
      await this.db.membership.create({ data: { organizationId, userId, role } });
      return true;
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return false;
      throw err;
    }
  }

  /**
   * Changes a role or removes a member, refusing to leave the organization without an owner.
   * The owner count is checked under a row lock on the organization, so two concurrent
   * demotions cannot both pass.
   */
  async changeMembership(
    organizationId: string,
    userId: string,
    change: { role: MemberRole } | 'remove',
  ): Promise<'ok' | 'not-found' | 'last-owner'> {
    return this.db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM organizations WHERE id = ${organizationId}::uuid FOR UPDATE`;
      const current = await tx.membership.findUnique({ where: { organizationId_userId: { organizationId, userId } } });
      if (!current) return 'not-found';
      const losesOwner = current.role === 'owner' && (change === 'remove' || change.role !== 'owner');
      if (losesOwner && (await tx.membership.count({ where: { organizationId, role: 'owner' } })) <= 1)
        return 'last-owner';
      if (change === 'remove')
        await tx.membership.delete({ where: { organizationId_userId: { organizationId, userId } } });
      else
        await tx.membership.update({
          where: { organizationId_userId: { organizationId, userId } },
          data: { role: change.role },
        });
      return 'ok';
    });
  }
  async stripeCustomerOf(organizationId: string): Promise<string | undefined> {
    const row = await this.db.organization.findUnique({
      where: { id: organizationId },
      select: { stripeCustomerId: true },
    });
    return row?.stripeCustomerId ?? undefined;
  }

  /** Stores the organization's Stripe customer unless one is stored already (the first wins). */
  async setStripeCustomerIfNone(organizationId: string, customerId: string): Promise<void> {
    await this.db.organization.updateMany({
      where: { id: organizationId, stripeCustomerId: null },
      data: { stripeCustomerId: customerId },
    });
  }
}

function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug || 'org';
}
