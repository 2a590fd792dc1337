/**
 * Sends renders beyond the quota (overage_reports, written when they succeed) to Stripe as
 * billing meter events. Each row is claimed with FOR UPDATE SKIP LOCKED, so API replicas share
 * the work; the render id is the meter event's identifier, so a report repeated after a crash
 * between Stripe's answer and our UPDATE is counted once by Stripe. A failing report is retried
 * on the next pass, and its attempts are counted for the operator.
 */
import type { OverageRepository } from '../repositories/overage-repository.js';

export interface OverageGateway {
  reportOverage(customerId: string, renderId: string, at: Date): Promise<void>;
}

export class OverageReporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly overage: OverageRepository,
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

  private reportOne(): Promise<'none' | 'reported' | 'failed'> {
    return this.overage.reportNext(async (row) => {
      try {
        await this.gateway.reportOverage(row.customerId, row.renderId, row.createdAt);
      } catch (err) {
        this.options.log?.('overage report failed; retried later', { renderId: row.renderId, error: String(err) });
        throw err;
      }
    });
  }
}
