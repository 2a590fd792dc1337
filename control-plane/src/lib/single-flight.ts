/**
 * Concurrent reads of the same key share one call: a caller that asks while a read of its
 * key is in flight gets that read's answer instead of starting another. Nothing is kept once
 * the read settles, so an answer is never older than a read the caller overlapped — the same
 * freshness as reading itself. Under a burst from one client (one API key, one video) this
 * turns many identical round trips into one.
 */
export class SingleFlight<Result> {
  private readonly inFlight = new Map<string, Promise<Result>>();

  run(key: string, read: () => Promise<Result>): Promise<Result> {
    const current = this.inFlight.get(key);
    if (current) return current;
    const started = read().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}
