/**
 * Requests per caller in fixed one-minute windows, in this process: what the `RateLimit`
 * headers report (IETF draft-ietf-httpapi-ratelimit-headers). Each replica counts its own
 * requests, so behind N replicas a caller gets up to N times the limit.
 */
export interface WindowState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  allowed: boolean;
}

const WINDOW_MS = 60_000;
const MAX_CALLERS = 100_000;

export class WindowCounter {
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  take(caller: string, limit: number): WindowState {
    const now = this.clock();
    const start = now - (now % WINDOW_MS);
    if (start !== this.windowStart || this.counts.size > MAX_CALLERS) {
      this.windowStart = start;
      this.counts = new Map();
    }
    const used = (this.counts.get(caller) ?? 0) + 1;
    this.counts.set(caller, used);
    return {
      limit,
      remaining: Math.max(0, limit - used),
      resetSeconds: Math.ceil((start + WINDOW_MS - now) / 1000),
      allowed: used <= limit,
    };
  }
}
