/**
 * Sends renders beyond the quota (overage_reports, written when they succeed) to Stripe as
 * billing meter events. Each row is claimed with FOR UPDATE SKIP LOCKED, so API replicas share
 * the work; the render id is the meter event's identifier, so a report repeated after a crash
 * between Stripe's answer and our UPDATE is counted once by Stripe. A failing report is retried
 * on the next pass, and its attempts are counted for the operator.
 */
import type { Database } from '../db/client.js';

export interface OverageGateway {
  reportOverage(customerId: string, renderId: string, at: Date): Promise<void>;
}

export class OverageReporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: Database,
    private readonly gateway: OverageGateway,
    private readonly options: {
      intervalMs?: number;
      batchSize?: number;
      log?: (message: string, data?: Record<string, unknown>) => void;
    } = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Reports what is waiting (up to one batch); returns how many went to Stripe. */
  runOnce(): Promise<number> {
    this.running ??= this.reportBatch().finally(() => (this.running = undefined));
    return this.running;
  }

  private async reportBatch(): Promise<number> {
    let reported = 0;
    for (let i = 0; i < (this.options.batchSize ?? 50); i++) {
      const outcome = await this.reportOne();
      // Nothing left, or Stripe is failing: wait for the next pass.
      if (outcome !== 'reported') break;
      reported++;
    }
    return reported;
  }

  private async reportOne(): Promise<'none' | 'reported' | 'failed'> {
    return this.db.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<Array<{ renderId: string; customerId: string; createdAt: Date }>>`
        SELECT render_id::text AS "renderId", customer_id AS "customerId", created_at AS "createdAt"
          FROM overage_reports
         WHERE reported_at IS NULL AND attempts < 20
         ORDER BY created_at
         LIMIT 1
           FOR UPDATE SKIP LOCKED`;
        if (!row) return 'none';
        try {
          await this.gateway.reportOverage(row.customerId, row.renderId, row.createdAt);
          await tx.$executeRaw`UPDATE overage_reports SET reported_at = now(), attempts = attempts + 1 WHERE render_id = ${row.renderId}::uuid`;
          return 'reported';
        } catch (err) {
          await tx.$executeRaw`UPDATE overage_reports SET attempts = attempts + 1 WHERE render_id = ${row.renderId}::uuid`;
          this.options.log?.('overage report failed; retried later', { renderId: row.renderId, error: String(err) });
          return 'failed';
        }
      },
      { timeout: 30_000 },
    );
  }
}
