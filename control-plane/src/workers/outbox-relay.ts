/**
 * Publishes outbox rows to the bus in order and marks them published. Rows are claimed with
 * SKIP LOCKED, so several replicas can relay; a crash between publish and mark republishes a
 * row (subscribers see at-least-once delivery and de-duplicate by eventId).
 */
import type { RenderStateEvent } from '@cutline/contract';
import type { OutboxRepository } from '../repositories/outbox-repository.js';
import type { EventBus } from '../events/event-bus.js';

export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly outbox: OutboxRepository,
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
  relayBatch(limit: number): Promise<number> {
    return this.outbox.publishBatch(limit, async (rows) => {
      for (const row of rows) {
        const event: RenderStateEvent = { ...row.payload, eventId: row.id };
        await this.bus.publish(row.subject, event);
      }
    });
  }
}
