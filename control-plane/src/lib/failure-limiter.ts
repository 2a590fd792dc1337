/**
 * Counts failed attempts per key (an account's e-mail address) in a fixed window, so password
 * guessing against one account is throttled wherever the guesses come from. Per process: with
 * N API replicas an account gets at most N times the budget. Bounded in memory; the oldest
 * keys go first.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { failures: number; resetsAt: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may try now. */
  retryAfterSeconds(key: string): number {
    const window = this.windows.get(key);
    if (!window || window.resetsAt <= this.now()) return 0;
    return window.failures >= this.maxFailures ? Math.ceil((window.resetsAt - this.now()) / 1000) : 0;
  }

  fail(key: string): void {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && window.resetsAt > now) {
      window.failures++;
      return;
    }
    this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(key, { failures: 1, resetsAt: now + this.windowMs });
  }

  succeed(key: string): void {
    this.windows.delete(key);
  }
}
