/**
 * A controller work queue in the manner of client-go's: a key waits at most once however many
 * events name it, is handled by one worker at a time (per-key serialisation; a key added while
 * it is being handled runs again afterwards), and a failed key is retried with exponential
 * backoff per key until it succeeds.
 */
export interface WorkQueueOptions {
  workers: number;
  /** First retry delay; doubles per consecutive failure of the same key. */
  baseDelayMs: number;
  maxDelayMs: number;
  onError?: (key: string, err: unknown, failures: number) => void;
}

export class WorkQueue {
  private readonly waiting = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  /** Keys added again while being handled. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private busyWorkers = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly handle: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions,
  ) {}

  /** Keys waiting (not counting those being handled): the queue-depth metric. */
  get depth(): number {
    return this.waiting.size;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    this.order.push(key);
    this.pump();
  }

  /** Adds the key once `delayMs` have passed (an earlier delayed add of it is kept). */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped || this.timers.has(key)) return;
    this.schedule(key, delayMs);
  }

  /** Adds the key after its backoff delay (replacing a delayed add of it). */
  private addRateLimited(key: string): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    clearTimeout(this.timers.get(key));
    this.schedule(key, Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (failures - 1)));
  }

  private schedule(key: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  private pump(): void {
    while (!this.stopped && this.busyWorkers < this.options.workers && this.order.length > 0) {
      const key = this.order.shift()!;
      this.waiting.delete(key);
      this.active.add(key);
      this.busyWorkers++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.handle(key);
      this.failures.delete(key);
    } catch (err) {
      this.options.onError?.(key, err, (this.failures.get(key) ?? 0) + 1);
      if (!this.stopped) this.addRateLimited(key);
    } finally {
      this.active.delete(key);
      this.busyWorkers--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      if (this.busyWorkers === 0 && this.order.length === 0)
        for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Stops taking keys and waits for the ones being handled. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.order.length = 0;
    this.waiting.clear();
    if (this.busyWorkers > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
