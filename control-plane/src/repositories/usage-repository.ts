/**
 * Monthly render quota. A reservation is one guarded UPDATE (the row lock serialises
 * concurrent submissions), so no interleaving of requests can take more than the limit.
 * Reserved renders are committed on success and refunded on failure or cancel.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';

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
}

type Tx = Pick<Database, '$executeRaw' | '$queryRaw'>;

export class UsageRepository {
  constructor(private readonly db: Database) {}

  /** Reserves `count` renders; returns the period id, or undefined when the quota would be exceeded. */
  async reserve(tx: Tx, organizationId: string, period: Period, limit: number | null, count: number): Promise<string | undefined> {
    await tx.$executeRaw`
      INSERT INTO usage_periods (id, organization_id, period_start, period_end, renders_limit)
      VALUES (${randomUUID()}::uuid, ${organizationId}::uuid, ${period.start}, ${period.end}, ${limit})
      ON CONFLICT (organization_id, period_start) DO NOTHING`;
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      UPDATE usage_periods
         SET renders_reserved = renders_reserved + ${count}, renders_limit = ${limit}
       WHERE organization_id = ${organizationId}::uuid AND period_start = ${period.start}
         AND (${limit}::int IS NULL OR renders_reserved + renders_committed + ${count} <= ${limit}::int)
      RETURNING id::text AS id`;
    return rows[0]?.id;
  }

  /** A reserved render succeeded: it now counts as used, with its length. */
  async commit(tx: Tx, periodId: string, renderedSeconds: number): Promise<void> {
    await tx.$executeRaw`
      UPDATE usage_periods SET renders_reserved = renders_reserved - 1, renders_committed = renders_committed + 1,
             rendered_seconds = rendered_seconds + ${renderedSeconds}
       WHERE id = ${periodId}::uuid AND renders_reserved > 0`;
  }

  /** A reserved render failed or was canceled: give the render back. */
  async refund(tx: Tx, periodId: string): Promise<void> {
    await tx.$executeRaw`UPDATE usage_periods SET renders_reserved = renders_reserved - 1 WHERE id = ${periodId}::uuid AND renders_reserved > 0`;
  }

  async snapshot(organizationId: string, period: Period): Promise<UsageSnapshot> {
    const row = await this.db.usagePeriod.findUnique({ where: { organizationId_periodStart: { organizationId, periodStart: period.start } } });
    return {
      periodStart: period.start,
      periodEnd: period.end,
      limit: row?.rendersLimit ?? null,
      reserved: row?.rendersReserved ?? 0,
      committed: row?.rendersCommitted ?? 0,
      renderedSeconds: row?.renderedSeconds ?? 0,
    };
  }
}
