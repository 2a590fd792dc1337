/** Renders beyond the quota waiting to be reported to Stripe (overage_reports). */
import type { Database } from '../db/client.js';

export interface OverageRow {
  renderId: string;
  customerId: string;
  createdAt: Date;
}

/** A report that failed this many times is left for the operator. */
const MAX_ATTEMPTS = 20;

export class OverageRepository {
  constructor(private readonly db: Database) {}

  /**
   * Locks the oldest unreported row (SKIP LOCKED: replicas share the work) while `report` runs,
   * then records the attempt, and the report when `report` resolved. 'none' when nothing waits.
   */
  async reportNext(report: (row: OverageRow) => Promise<void>): Promise<'none' | 'reported' | 'failed'> {
    return this.db.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<OverageRow[]>`
          SELECT render_id::text AS "renderId", customer_id AS "customerId", created_at AS "createdAt"
            FROM overage_reports
           WHERE reported_at IS NULL AND attempts < ${MAX_ATTEMPTS}
           ORDER BY created_at
           LIMIT 1
             FOR UPDATE SKIP LOCKED`;
        if (!row) return 'none';
        const ok = await report(row).then(
          () => true,
          () => false,
        );
        await tx.$executeRaw`UPDATE overage_reports SET attempts = attempts + 1, reported_at = CASE WHEN ${ok} THEN now() ELSE reported_at END WHERE render_id = ${row.renderId}::uuid`;
        return ok ? 'reported' : 'failed';
      },
      { timeout: 30_000 },
    );
  }
}
