/** The outbox of render state events (DESIGN §4), as the relay reads it. */
import type { RenderStateEvent } from '@cutline/contract';
import type { Database } from '../db/client.js';

export interface OutboxRow {
  id: number;
  subject: string;
  payload: RenderStateEvent;
}

export class OutboxRepository {
  constructor(private readonly db: Database) {}

  /**
   * Claims up to `limit` unpublished rows in order (SKIP LOCKED: replicas share the work), hands
   * them to `publish` and marks them published, all in one transaction; returns how many.
   */
  async publishBatch(limit: number, publish: (rows: OutboxRow[]) => Promise<void>): Promise<number> {
    return this.db.$transaction(async (tx) => {
      // "ORDER BY published_at, id" (all NULL here, so the same order as by id) lets the
      // (published_at, id) index deliver rows in order: an index scan skips the entries of
      // rows published since the last vacuum, where a bitmap scan and sort (what "ORDER BY id"
      // gets) visits every one of them (bench/results/control-plane.md).
      const rows = await tx.$queryRaw<Array<{ id: bigint; subject: string; payload: RenderStateEvent }>>`
        SELECT id, subject, payload FROM outbox_events WHERE published_at IS NULL ORDER BY published_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      if (rows.length === 0) return 0;
      await publish(rows.map((r) => ({ id: Number(r.id), subject: r.subject, payload: r.payload })));
      await tx.$executeRaw`UPDATE outbox_events SET published_at = now() WHERE id = ANY(${rows.map((r) => r.id)}::bigint[])`;
      return rows.length;
    });
  }
}
