/**
 * Mail that carries a secret link (verification, password reset, invitation) is sent from
 * memory, never stored: the database keeps only the token's digest. Sends run in the
 * background with bounded concurrency and a short retry, so no request waits for the mail
 * server and a request's timing does not tell whether a mail went out. Lost on a crash, which
 * the person answers by asking again.
 */
import type { Logger } from '../logger.js';
import type { Mailer, OutgoingMail } from './mailer.js';

const RETRY_DELAYS_MS = [2_000, 10_000, 30_000];

export class ImmediateMail {
  private active = 0;
  private readonly waiting: Array<{ mail: OutgoingMail; attempt: number }> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly mailer: Mailer,
    private readonly log: Pick<Logger, 'warn' | 'error'>,
    private readonly concurrency = 4,
    private readonly maxWaiting = 1_000,
  ) {}

  send(mail: OutgoingMail): void {
    this.enqueue(mail, 0);
  }

  private enqueue(mail: OutgoingMail, attempt: number): void {
    if (this.waiting.length >= this.maxWaiting) {
      this.log.error({ to: mail.to, subject: mail.subject }, 'mail dropped: too many waiting');
      return;
    }
    this.waiting.push({ mail, attempt });
    this.pump();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.active++;
      const run = this.mailer
        .send(next.mail)
        .catch((err: unknown) => this.retry(next.mail, next.attempt, err))
        .finally(() => {
          this.active--;
          this.inFlight.delete(run);
          this.pump();
        });
      this.inFlight.add(run);
    }
  }

  private retry(mail: OutgoingMail, attempt: number, err: unknown): void {
    const delay = RETRY_DELAYS_MS[attempt];
    this.log.warn(
      { to: mail.to, attempt: attempt + 1, error: String(err), willRetry: delay !== undefined },
      'mail failed',
    );
    if (delay === undefined) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(mail, attempt + 1);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** Waits for what is being sent and waiting now (at most `timeoutMs`); retries not yet due are dropped. */
  async drain(timeoutMs = 5_000): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const deadline = Date.now() + timeoutMs;
    while ((this.inFlight.size > 0 || this.waiting.length > 0) && Date.now() < deadline)
      await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 50))]);
  }
}
