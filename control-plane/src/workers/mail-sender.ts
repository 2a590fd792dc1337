/**
 * Sends queued mail (mail_messages) through the mailer. Rows are leased when claimed, so
 * replicas share the work and a crash resends only the message that was in flight; failures
 * are retried with growing delays for about a day.
 */
import type { Mailer } from '../mail/mailer.js';
import type { MailRepository } from '../repositories/mail-repository.js';
import { PeriodicTask } from '../lib/periodic-task.js';

const MAX_ATTEMPTS = 10;
const LEASE_MS = 60_000;

export function mailRetryDelayMs(attempt: number): number {
  return Math.min(30_000 * 3 ** (attempt - 1), 6 * 3_600_000);
}

export class MailSender {
  private readonly task: PeriodicTask;

  constructor(
    private readonly mail: MailRepository,
    private readonly mailer: Mailer,
    private readonly options: {
      intervalMs?: number;
      concurrency?: number;
      onError: (err: unknown, data?: Record<string, unknown>) => void;
    },
  ) {
    this.task = new PeriodicTask(() => this.sendDue(), options.intervalMs ?? 1_000, options.onError);
  }

  start(): void {
    this.task.start();
  }

  kick(): void {
    this.task.kick();
  }

  runOnce(): Promise<void> {
    return this.task.runOnce();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async sendDue(): Promise<void> {
    const concurrency = this.options.concurrency ?? 4;
    for (;;) {
      const batch = await this.mail.claimDue(concurrency, LEASE_MS);
      if (batch.length === 0) return;
      await Promise.all(
        batch.map(async (message) => {
          try {
            await this.mailer.send(message);
            await this.mail.markSent(message.id, new Date());
          } catch (err) {
            const retryAt =
              message.attempts < MAX_ATTEMPTS ? new Date(Date.now() + mailRetryDelayMs(message.attempts)) : undefined;
            this.options.onError(err, { mailId: message.id, attempt: message.attempts, willRetry: Boolean(retryAt) });
            await this.mail.markFailed(message.id, String(err), retryAt);
          }
        }),
      );
    }
  }
}
