/**
 * Bounds expensive work started by requests (ffmpeg and TTS runs for previews): at most
 * `concurrency` tasks at once, at most `perKey` of them for one key (an organization), and a
 * short queue behind them (a page that asks for a handful at once is served in turn). Past that a caller is told to come back (WorkLimiterBusyError)
 * instead of piling processes onto the machine.
 */
export class WorkLimiterBusyError extends Error {
  constructor() {
    super('Too much work is waiting; try again shortly.');
  }
}

export interface WorkLimiterOptions {
  concurrency: number;
  perKey: number;
  /** Tasks that may wait for a slot, over all keys, and for one key. */
  maxWaiting: number;
  maxWaitingPerKey: number;
}

interface Waiting {
  key: string;
  start: () => void;
}

export class WorkLimiter {
  private running = 0;
  private readonly runningByKey = new Map<string, number>();
  private readonly waitingByKey = new Map<string, number>();
  private readonly queue: Waiting[] = [];

  constructor(private readonly options: WorkLimiterOptions) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    // A slot is taken synchronously (here, or by startNext for a waiter), so none is given twice.
    if (this.canStart(key)) this.take(key);
    else await this.wait(key);
    try {
      return await task();
    } finally {
      this.running--;
      const left = (this.runningByKey.get(key) ?? 1) - 1;
      if (left === 0) this.runningByKey.delete(key);
      else this.runningByKey.set(key, left);
      this.startNext();
    }
  }

  /** Tasks running now (for tests and metrics). */
  get active(): number {
    return this.running;
  }

  private canStart(key: string): boolean {
    return this.running < this.options.concurrency && (this.runningByKey.get(key) ?? 0) < this.options.perKey;
  }

  private take(key: string): void {
    this.running++;
    this.runningByKey.set(key, (this.runningByKey.get(key) ?? 0) + 1);
  }

  private wait(key: string): Promise<void> {
    const waiting = this.waitingByKey.get(key) ?? 0;
    if (this.queue.length >= this.options.maxWaiting || waiting >= this.options.maxWaitingPerKey)
      return Promise.reject(new WorkLimiterBusyError());
    this.waitingByKey.set(key, waiting + 1);
    return new Promise((resolve) => this.queue.push({ key, start: resolve }));
  }

  private startNext(): void {
    const index = this.queue.findIndex((w) => this.canStart(w.key));
    if (index < 0) return;
    const [next] = this.queue.splice(index, 1);
    const waiting = (this.waitingByKey.get(next!.key) ?? 1) - 1;
    if (waiting === 0) this.waitingByKey.delete(next!.key);
    else this.waitingByKey.set(next!.key, waiting);
    this.take(next!.key);
    next!.start();
  }
}
