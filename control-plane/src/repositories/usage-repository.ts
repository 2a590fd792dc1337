/**
 * Monthly render quota. A reservation is one guarded UPDATE (the row lock serialises
 * concurrent submissions), so no interleaving of requests can take more than the limit.
 * Reserved renders are committed on success and refunded on failure or cancel.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import { recordSystemActivity } from './activity-repository.js';

export interface Period {
  start: Date;
  end: Date;
}

export interface UsageSnapshot {
  periodStart: Date;
  periodEnd: Date;
  limit: number | null;
  reserved: number;
  committed: number;
  renderedSeconds: number;
  images: { limit: number | null; reserved: number; committed: number };
}

type Tx = Pick<Database, '$executeRaw' | '$queryRaw'>;

export class UsageRepository {
  constructor(private readonly db: Database) {}

  /**
   * Reserves `count` renders; returns the period id, or undefined when the quota would be
   * exceeded (never with `overage`: renders beyond the limit are then billed as usage).
   */
  async reserve(
    tx: Tx,
    organizationId: string,
    period: Period,
    limit: number | null,
    count: number,
    overage = false,
  ): Promise<string | undefined> {
    await tx.$executeRaw`
      INSERT INTO usage_periods (id, organization_id, period_start, period_end, renders_limit)
      VALUES (${randomUUID()}::uuid, ${organizationId}::uuid, ${period.start}, ${period.end}, ${limit})
      ON CONFLICT (organization_id, period_start) DO NOTHING`;
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      UPDATE usage_periods
         SET renders_reserved = renders_reserved + ${count}, renders_limit = ${limit}
       WHERE organization_id = ${organizationId}::uuid AND period_start = ${period.start}
         AND (${overage} OR ${limit}::int IS NULL OR renders_reserved + renders_committed + ${count} <= ${limit}::int)
      RETURNING id::text AS id`;
    return rows[0]?.id;
  }

  /**
   * Reserves `count` output images of image jobs (their own monthly allowance, beside renders);
   * the period id, or undefined when the plan's images would be exceeded. Never overage.
   */
  async reserveImages(
    tx: Tx,
    organizationId: string,
    period: Period,
    limit: number | null,
    count: number,
  ): Promise<string | undefined> {
    await tx.$executeRaw`
      INSERT INTO usage_periods (id, organization_id, period_start, period_end, images_limit)
      VALUES (${randomUUID()}::uuid, ${organizationId}::uuid, ${period.start}, ${period.end}, ${limit})
      ON CONFLICT (organization_id, period_start) DO NOTHING`;
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      UPDATE usage_periods
         SET images_reserved = images_reserved + ${count}, images_limit = ${limit}
       WHERE organization_id = ${organizationId}::uuid AND period_start = ${period.start}
         AND (${limit}::int IS NULL OR images_reserved + images_committed + ${count} <= ${limit}::int)
      RETURNING id::text AS id`;
    return rows[0]?.id;
  }

  /** An image job succeeded: its images now count as used. */
  async commitImages(tx: Tx, periodId: string, count: number): Promise<void> {
    await tx.$executeRaw`
      UPDATE usage_periods SET images_reserved = GREATEST(images_reserved - ${count}, 0),
             images_committed = images_committed + ${count}
       WHERE id = ${periodId}::uuid`;
  }

  /** An image job failed or was canceled: its images are given back. */
  async refundImages(tx: Tx, periodId: string, count: number): Promise<void> {
    await tx.$executeRaw`
      UPDATE usage_periods SET images_reserved = GREATEST(images_reserved - ${count}, 0) WHERE id = ${periodId}::uuid`;
  }

  /** A reserved render succeeded: it now counts as used, with its length. */
  async commit(tx: Tx, periodId: string, renderedSeconds: number): Promise<void> {
    await tx.$executeRaw`
      UPDATE usage_periods SET renders_reserved = renders_reserved - 1, renders_committed = renders_committed + 1,
             rendered_seconds = rendered_seconds + ${renderedSeconds}
       WHERE id = ${periodId}::uuid AND renders_reserved > 0`;
  }

  /**
   * After a commit on a plan with overage: when the period is now beyond its limit, this
   * render is overage, queued for reporting to Stripe (workers/overage-reporter.ts). Only
   * organizations with a Stripe customer are billed; the render id keeps it to one report.
   */
  async recordOverage(tx: Tx, periodId: string, renderId: string): Promise<void> {
    await tx.$executeRaw`
      INSERT INTO overage_reports (render_id, organization_id, customer_id)
      SELECT ${renderId}::uuid, o.id, o.stripe_customer_id
        FROM usage_periods u JOIN organizations o ON o.id = u.organization_id
       WHERE u.id = ${periodId}::uuid AND u.renders_limit IS NOT NULL AND u.renders_committed > u.renders_limit
         AND o.stripe_customer_id IS NOT NULL
      ON CONFLICT (render_id) DO NOTHING`;
  }

  /** A reserved render failed or was canceled: give the render back. */
  async refund(tx: Tx, periodId: string): Promise<void> {
    await tx.$executeRaw`UPDATE usage_periods SET renders_reserved = renders_reserved - 1 WHERE id = ${periodId}::uuid AND renders_reserved > 0`;
  }

  /**
   * Usage alerts: records each threshold (80 %, 100 % of the quota) the period has newly
   * reached, once per period, as activity. Returns the thresholds recorded now.
   */
  async recordAlerts(organizationId: string, periodStart: Date): Promise<number[]> {
    return this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<
        Array<{ previous: number; reached: number; used: number; limit: number; id: string }>
      >`
        WITH p AS (
          SELECT id, alerted_percent AS previous, renders_reserved + renders_committed AS used, renders_limit AS lim
            FROM usage_periods
           WHERE organization_id = ${organizationId}::uuid AND period_start = ${periodStart} AND renders_limit > 0
             FOR UPDATE)
        UPDATE usage_periods u
           SET alerted_percent = GREATEST(u.alerted_percent, CASE WHEN p.used >= p.lim THEN 100 WHEN p.used * 5 >= p.lim * 4 THEN 80 ELSE 0 END)
          FROM p
         WHERE u.id = p.id
        RETURNING p.previous, u.alerted_percent AS reached, p.used, p.lim AS "limit", u.id::text AS id`;
      const row = rows[0];
      if (!row) return [];
      const crossed = [80, 100].filter((t) => row.previous < t && row.reached >= t);
      for (const percent of crossed) {
        await recordSystemActivity(
          tx,
          organizationId,
          'usage.alert',
          { type: 'usage_period', id: row.id },
          { percent, used: row.used, limit: row.limit },
        );
      }
      return crossed;
    });
  }

  async snapshot(organizationId: string, period: Period): Promise<UsageSnapshot> {
    const row = await this.db.usagePeriod.findUnique({
      where: { organizationId_periodStart: { organizationId, periodStart: period.start } },
    });
    return {
      periodStart: period.start,
      periodEnd: period.end,
      limit: row?.rendersLimit ?? null,
      reserved: row?.rendersReserved ?? 0,
      committed: row?.rendersCommitted ?? 0,
      renderedSeconds: row?.renderedSeconds ?? 0,
      images: {
        limit: row?.imagesLimit ?? null,
        reserved: row?.imagesReserved ?? 0,
        committed: row?.imagesCommitted ?? 0,
      },
    };
  }

  /** Files the organization keeps: ready uploads and live outputs, and the soonest to expire. */
  async held(organizationId: string): Promise<{ bytes: number; files: number; nextExpiry: Date | null }> {
    const [row] = await this.db.$queryRaw<Array<{ bytes: bigint | null; files: bigint; nextExpiry: Date | null }>>`
      SELECT sum(bytes)::bigint AS bytes, count(*)::bigint AS files, min(expires_at) AS "nextExpiry" FROM (
        SELECT size_bytes AS bytes, expires_at FROM assets
         WHERE organization_id = ${organizationId}::uuid AND status = 'ready' AND deleted_at IS NULL
        UNION ALL
        SELECT o.bytes, o.expires_at FROM render_outputs o JOIN renders r ON r.id = o.render_id
         WHERE r.organization_id = ${organizationId}::uuid AND o.deleted_at IS NULL
      ) held`;
    return { bytes: Number(row?.bytes ?? 0), files: Number(row?.files ?? 0), nextExpiry: row?.nextExpiry ?? null };
  }

  /** Renders of the organization holding a slot now (admitted or running). */
  async inFlight(organizationId: string): Promise<number> {
    return this.db.render.count({ where: { organizationId, state: { in: ['admitted', 'running'] } } });
  }
}
