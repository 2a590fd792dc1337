/**
 * Queries across every organization, for the operators' console (/v1/admin). Nothing here is
 * reachable by a tenant: the routes that use it require a platform admin.
 */
import type { Prisma } from '../generated/prisma/client.js';
import type { Database } from '../db/client.js';
import type { Organization, PlanId, User } from '../domain.js';
import type { RenderState } from '@cutline/contract';
import { RENDER_SELECT as TENANT_RENDER_SELECT, type RenderRecord } from './renders-repository.js';

export interface OrganizationSummary extends Organization {
  members: number;
  rendersThisPeriod: number;
  renderedSeconds: number;
  subscriptionStatus: string | null;
}

export interface UserSummary extends User {
  organizations: Array<{ id: string; name: string; role: string }>;
}

export interface OperatorRenderQuery {
  offset: number;
  limit: number;
  sort: 'queuedAt' | 'state' | 'finishedAt';
  order: 'asc' | 'desc';
  state?: RenderState | undefined;
  tier?: PlanId | undefined;
  organizationId?: string | undefined;
  q?: string | undefined;
}

export interface SystemSnapshot {
  byTier: Array<{ tier: string; queued: number; running: number }>;
  failedLastHour: number;
  succeededLastHour: number;
  /** One point per hour over the last day: renders finished and the mean realtime factor. */
  throughput: Array<{ hour: string; succeeded: number; failed: number; realtimeFactor: number | null }>;
  oldestQueuedAt: string | null;
  /** Organizations their owners deleted in the last 30 days (a count: who is not kept). */
  organizationsDeleted30d: number;
}

/** A render as tenants see it, and what operators need besides. */
const RENDER_SELECT = { ...TENANT_RENDER_SELECT, usagePeriodId: true, attempts: true } as const;

function organizationSelect(now: Date) {
  return {
    id: true,
    name: true,
    slug: true,
    plan: true,
    suspendedAt: true,
    createdAt: true,
    subscription: { select: { status: true } },
    _count: { select: { memberships: true } },
    usage: {
      where: { periodStart: { lte: now }, periodEnd: { gt: now } },
      select: { rendersReserved: true, rendersCommitted: true, renderedSeconds: true },
      take: 1,
    },
  } satisfies Prisma.OrganizationSelect;
}

type OrganizationRow = Prisma.OrganizationGetPayload<{ select: ReturnType<typeof organizationSelect> }>;

function toOrganizationSummary(o: OrganizationRow): OrganizationSummary {
  const usage = o.usage[0];
  return {
    id: o.id,
    name: o.name,
    slug: o.slug,
    plan: o.plan,
    suspended: o.suspendedAt !== null,
    createdAt: o.createdAt,
    members: o._count.memberships,
    rendersThisPeriod: (usage?.rendersReserved ?? 0) + (usage?.rendersCommitted ?? 0),
    renderedSeconds: usage?.renderedSeconds ?? 0,
    subscriptionStatus: o.subscription?.status ?? null,
  };
}

export class OperatorRepository {
  constructor(private readonly db: Database) {}

  async listOrganizations(
    query: {
      offset: number;
      limit: number;
      q?: string | undefined;
      plan?: PlanId | undefined;
      suspended?: boolean | undefined;
    },
    now: Date,
  ): Promise<{ items: OrganizationSummary[]; total: number }> {
    const where: Prisma.OrganizationWhereInput = {
      ...(query.q
        ? {
            OR: [
              { name: { contains: query.q, mode: 'insensitive' } },
              { slug: { contains: query.q, mode: 'insensitive' } },
            ],
          }
        : {}),
      ...(query.plan ? { plan: query.plan } : {}),
      ...(query.suspended === undefined ? {} : { suspendedAt: query.suspended ? { not: null } : null }),
    };
    const [rows, total] = await Promise.all([
      this.db.organization.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
        select: organizationSelect(now),
      }),
      this.db.organization.count({ where }),
    ]);
    return { total, items: rows.map(toOrganizationSummary) };
  }

  async findOrganization(id: string, now: Date): Promise<OrganizationSummary | undefined> {
    const row = await this.db.organization.findUnique({ where: { id }, select: organizationSelect(now) });
    return row ? toOrganizationSummary(row) : undefined;
  }

  /** Changes the plan and/or suspension; returns what it was before (for the activity log). */
  async updateOrganization(
    id: string,
    change: { plan?: PlanId | undefined; suspended?: boolean | undefined },
    now: Date,
    actorUserId: string,
  ): Promise<{ before: { plan: PlanId; suspended: boolean } } | undefined> {
    return this.db.$transaction(async (tx) => {
      const before = await tx.organization.findUnique({ where: { id }, select: { plan: true, suspendedAt: true } });
      if (!before) return undefined;
      await tx.organization.update({
        where: { id },
        data: {
          ...(change.plan ? { plan: change.plan } : {}),
          ...(change.suspended === undefined
            ? {}
            : { suspendedAt: change.suspended ? (before.suspendedAt ?? now) : null }),
        },
      });
      await tx.activity.create({
        data: {
          organizationId: id,
          actorUserId,
          action: 'organization.changed_by_operator',
          subjectType: 'organization',
          subjectId: id,
          data: { before: { plan: before.plan, suspended: before.suspendedAt !== null }, after: change } as object,
        },
      });
      return { before: { plan: before.plan, suspended: before.suspendedAt !== null } };
    });
  }

  async listUsers(query: {
    offset: number;
    limit: number;
    q?: string | undefined;
    organizationId?: string | undefined;
  }): Promise<{ items: UserSummary[]; total: number }> {
    const where: Prisma.UserWhereInput = {
      ...(query.q
        ? {
            OR: [
              { email: { contains: query.q, mode: 'insensitive' } },
              { name: { contains: query.q, mode: 'insensitive' } },
            ],
          }
        : {}),
      ...(query.organizationId ? { memberships: { some: { organizationId: query.organizationId } } } : {}),
    };
    const [rows, total] = await Promise.all([
      this.db.user.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
        select: {
          id: true,
          email: true,
          name: true,
          isPlatformAdmin: true,
          emailVerifiedAt: true,
          createdAt: true,
          memberships: { select: { role: true, organization: { select: { id: true, name: true } } } },
        },
      }),
      this.db.user.count({ where }),
    ]);
    return {
      total,
      items: rows.map((u) => ({
        id: u.id,
        email: u.email,
        name: u.name,
        isPlatformAdmin: u.isPlatformAdmin,
        emailVerified: u.emailVerifiedAt !== null,
        createdAt: u.createdAt,
        organizations: u.memberships.map((m) => ({ id: m.organization.id, name: m.organization.name, role: m.role })),
      })),
    };
  }

  async listRenders(
    query: OperatorRenderQuery,
  ): Promise<{ items: Array<RenderRecord & { organizationId: string }>; total: number }> {
    const where: Prisma.RenderWhereInput = {
      ...(query.state ? { state: query.state } : {}),
      ...(query.tier ? { tier: query.tier } : {}),
      ...(query.organizationId ? { organizationId: query.organizationId } : {}),
      ...(query.q ? { title: { contains: query.q, mode: 'insensitive' } } : {}),
    };
    const [rows, total] = await Promise.all([
      this.db.render.findMany({
        where,
        select: RENDER_SELECT,
        orderBy: [{ [query.sort]: query.order }, { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
      }),
      this.db.render.count({ where }),
    ]);
    return { items: rows as unknown as Array<RenderRecord & { organizationId: string }>, total };
  }

  /** The organization a render belongs to, to act on it as that organization. */
  async organizationOfRender(renderId: string): Promise<string | undefined> {
    const row = await this.db.render.findUnique({ where: { id: renderId }, select: { organizationId: true } });
    return row?.organizationId;
  }

  async listActivity(query: { offset: number; limit: number; organizationId?: string | undefined }) {
    const where: Prisma.ActivityWhereInput = query.organizationId ? { organizationId: query.organizationId } : {};
    const [rows, total] = await Promise.all([
      this.db.activity.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: query.offset,
        take: query.limit,
      }),
      this.db.activity.count({ where }),
    ]);
    return {
      total,
      items: rows.map((a) => ({
        id: a.id.toString(),
        organizationId: a.organizationId,
        action: a.action,
        subjectType: a.subjectType,
        subjectId: a.subjectId,
        actorUserId: a.actorUserId,
        actorApiKeyId: a.actorApiKeyId,
        data: a.data,
        createdAt: a.createdAt,
      })),
    };
  }

  async system(now: Date): Promise<SystemSnapshot> {
    const hourAgo = new Date(now.getTime() - 3_600_000);
    const dayAgo = new Date(now.getTime() - 24 * 3_600_000);
    const [byTier, lastHour, hours, oldest, deletions] = await Promise.all([
      this.db.$queryRaw<Array<{ tier: string; queued: bigint; running: bigint }>>`
        SELECT tier::text AS tier,
               count(*) FILTER (WHERE state = 'queued') AS queued,
               count(*) FILTER (WHERE state IN ('admitted', 'running')) AS running
          FROM renders WHERE state IN ('queued', 'admitted', 'running') GROUP BY tier`,
      this.db.$queryRaw<Array<{ failed: bigint; succeeded: bigint }>>`
        SELECT count(*) FILTER (WHERE state = 'failed') AS failed, count(*) FILTER (WHERE state = 'succeeded') AS succeeded
          FROM renders WHERE finished_at >= ${hourAgo}`,
      // Realtime factor: seconds of video rendered per second of wall-clock render time.
      this.db.$queryRaw<Array<{ hour: Date; succeeded: bigint; failed: bigint; rtf: number | null }>>`
        SELECT date_trunc('hour', finished_at) AS hour,
               count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
               count(*) FILTER (WHERE state = 'failed') AS failed,
               (sum(duration_seconds) FILTER (WHERE state = 'succeeded' AND started_at IS NOT NULL)
                 / NULLIF(sum(extract(epoch FROM finished_at - started_at)) FILTER (WHERE state = 'succeeded' AND started_at IS NOT NULL AND duration_seconds IS NOT NULL), 0))::float8 AS rtf
          FROM renders WHERE finished_at >= ${dayAgo} GROUP BY 1 ORDER BY 1`,
      this.db.render.findFirst({
        where: { state: 'queued' },
        orderBy: { queuedAt: 'asc' },
        select: { queuedAt: true },
      }),
      this.db.organizationDeletion.aggregate({
        _sum: { count: true },
        where: { day: { gte: new Date(now.getTime() - 30 * 86_400_000) } },
      }),
    ]);
    const tiers = ['enterprise', 'business', 'pro', 'starter', 'free'];
    const found = new Map(byTier.map((r) => [r.tier, r]));
    const points = new Map(hours.map((h) => [h.hour.toISOString(), h]));
    const start = new Date(Math.floor(dayAgo.getTime() / 3_600_000) * 3_600_000 + 3_600_000);
    const throughput: SystemSnapshot['throughput'] = [];
    for (let t = start.getTime(); t <= now.getTime(); t += 3_600_000) {
      const hour = new Date(t).toISOString();
      const point = points.get(hour);
      throughput.push({
        hour,
        succeeded: Number(point?.succeeded ?? 0),
        failed: Number(point?.failed ?? 0),
        realtimeFactor: point?.rtf == null ? null : Math.round(point.rtf * 100) / 100,
      });
    }
    return {
      byTier: tiers.map((tier) => ({
        tier,
        queued: Number(found.get(tier)?.queued ?? 0),
        running: Number(found.get(tier)?.running ?? 0),
      })),
      failedLastHour: Number(lastHour[0]?.failed ?? 0),
      succeededLastHour: Number(lastHour[0]?.succeeded ?? 0),
      throughput,
      oldestQueuedAt: oldest?.queuedAt.toISOString() ?? null,
      organizationsDeleted30d: deletions._sum.count ?? 0,
    };
  }
}
