/**
 * Groups concurrent work into one call. Nothing waits for a timer: the first item runs at
 * once, alone; items that arrive while a call is in flight queue up and go together in the
 * next call. So grouping adds no latency at low load, and under load one round trip carries
 * many items (DESIGN §4: one statement and one commit for a burst of submissions).
 *
 * A failed call of several items runs each of them alone, so one bad item (say, a duplicate
 * Idempotency-Key) fails only itself. The call must be atomic for that to be safe.
 */
interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (err: unknown) => void;
}

export class Batcher<Item, Result> {
  private queue: Array<Pending<Item, Result>> | undefined;

  constructor(
    private readonly call: (items: Item[]) => Promise<Result[]>,
    private readonly maxItems = 64,
  ) {}

  run(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      if (this.queue) {
        this.queue.push({ item, resolve, reject });
        return;
      }
      this.queue = [{ item, resolve, reject }];
      void this.drain(this.queue);
    });
  }

  private async drain(queue: Array<Pending<Item, Result>>): Promise<void> {
    while (queue.length > 0) await this.callFor(queue.splice(0, this.maxItems));
    this.queue = undefined;
  }

  private async callFor(batch: Array<Pending<Item, Result>>): Promise<void> {
    try {
      const results = await this.call(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const pending of batch) await this.callFor([pending]);
    }
  }
}
