/**
 * Publishes outbox rows to the bus in order and marks them published. Rows are claimed with
 * SKIP LOCKED, so several replicas can relay; a crash between publish and mark republishes a
 * row (subscribers see at-least-once delivery and de-duplicate by eventId).
 */
import type { RenderStateEvent } from '@cutline/contract';
import type { Database } from '../db/client.js';
import type { EventBus } from '../events/event-bus.js';

export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly intervalMs = 200,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while ((await this.relayBatch(100)) === 100);
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
    }
  }

  /** Relays up to `limit` rows; returns how many. */
  async relayBatch(limit: number): Promise<number> {
    return this.db.$transaction(async (tx) => {
      // "ORDER BY published_at, id" (all NULL here, so the same order as by id) lets the
      // (published_at, id) index deliver rows in order: an index scan skips the entries of
      // rows published since the last vacuum; a bitmap scan and sort (what "ORDER BY id"
      // gets) visits every one of them, which cost 8 ms a batch at 1,500 events a second.
      const rows = await tx.$queryRaw<Array<{ id: bigint; subject: string; payload: RenderStateEvent }>>`
        SELECT id, subject, payload FROM outbox_events WHERE published_at IS NULL ORDER BY published_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      for (const row of rows) {
        const event: RenderStateEvent = { ...row.payload, eventId: Number(row.id) };
        await this.bus.publish(row.subject, event);
      }
      if (rows.length > 0) {
        await tx.$executeRaw`UPDATE outbox_events SET published_at = now() WHERE id = ANY(${rows.map((r) => r.id)}::bigint[])`;
      }
      return rows.length;
    });
  }
}
