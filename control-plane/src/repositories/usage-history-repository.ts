/**
 * Usage over time, by calendar month (UTC) and by member: renders finished, minutes rendered,
 * and bytes stored (outputs produced, uploads kept). Read from the renders, outputs and
 * uploads themselves, so it matches what was made whatever the quota periods were.
 */
import type { Database } from '../db/client.js';

export interface MonthUsage {
  /** "2026-11" */
  month: string;
  renders: number;
  failed: number;
  renderedSeconds: number;
  outputBytes: number;
  uploadBytes: number;
}

export interface MemberUsage {
  month: string;
  /** null: renders made with API keys. */
  userId: string | null;
  name: string | null;
  renders: number;
  renderedSeconds: number;
}

const DONE = ['succeeded', 'expired'];

export class UsageHistoryRepository {
  constructor(private readonly db: Database) {}

  /** Every month from `from`'s to `to`'s, oldest first, empty ones included. */
  async months(organizationId: string, from: Date, to: Date): Promise<MonthUsage[]> {
    const rows = await this.db.$queryRaw<
      Array<Omit<MonthUsage, 'outputBytes' | 'uploadBytes'> & { outputBytes: bigint; uploadBytes: bigint }>
    >`
      WITH months AS (
        SELECT generate_series(date_trunc('month', ${from}::timestamp), date_trunc('month', ${to}::timestamp), interval '1 month') AS start
      ), done AS (
        SELECT date_trunc('month', finished_at) AS start,
               count(*) FILTER (WHERE state::text = ANY(${DONE}))::int AS renders,
               count(*) FILTER (WHERE state = 'failed')::int AS failed,
               coalesce(sum(duration_seconds) FILTER (WHERE state::text = ANY(${DONE})), 0)::float8 AS seconds
          FROM renders WHERE organization_id = ${organizationId}::uuid AND finished_at >= date_trunc('month', ${from}::timestamp)
         GROUP BY 1
      ), produced AS (
        SELECT date_trunc('month', o.created_at) AS start, sum(o.bytes)::bigint AS bytes
          FROM render_outputs o JOIN renders r ON r.id = o.render_id
         WHERE r.organization_id = ${organizationId}::uuid AND o.created_at >= date_trunc('month', ${from}::timestamp)
         GROUP BY 1
      ), uploaded AS (
        SELECT date_trunc('month', created_at) AS start, sum(size_bytes)::bigint AS bytes
          FROM assets WHERE organization_id = ${organizationId}::uuid AND status <> 'rejected'
           AND created_at >= date_trunc('month', ${from}::timestamp)
         GROUP BY 1
      )
      SELECT to_char(m.start, 'YYYY-MM') AS month, coalesce(d.renders, 0) AS renders, coalesce(d.failed, 0) AS failed,
             coalesce(d.seconds, 0) AS "renderedSeconds", coalesce(p.bytes, 0) AS "outputBytes", coalesce(u.bytes, 0) AS "uploadBytes"
        FROM months m LEFT JOIN done d ON d.start = m.start LEFT JOIN produced p ON p.start = m.start LEFT JOIN uploaded u ON u.start = m.start
       ORDER BY m.start`;
    return rows.map((r) => ({
      ...r,
      renderedSeconds: Math.round(r.renderedSeconds * 10) / 10,
      outputBytes: Number(r.outputBytes),
      uploadBytes: Number(r.uploadBytes),
    }));
  }

  /** Finished renders by month and member (whoever submitted them), people named. */
  async byMember(organizationId: string, from: Date): Promise<MemberUsage[]> {
    const rows = await this.db.$queryRaw<MemberUsage[]>`
      SELECT to_char(date_trunc('month', r.finished_at), 'YYYY-MM') AS month, r.created_by_id::text AS "userId", u.name,
             count(*)::int AS renders, coalesce(sum(r.duration_seconds), 0)::float8 AS "renderedSeconds"
        FROM renders r LEFT JOIN users u ON u.id = r.created_by_id
       WHERE r.organization_id = ${organizationId}::uuid AND r.state::text = ANY(${DONE})
         AND r.finished_at >= date_trunc('month', ${from}::timestamp)
       GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 3`;
    return rows.map((r) => ({ ...r, renderedSeconds: Math.round(r.renderedSeconds * 10) / 10 }));
  }
}
