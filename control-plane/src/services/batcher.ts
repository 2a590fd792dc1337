/**
 * Groups concurrent work that shares a key into one call. Nothing waits for a timer: the
 * first item runs at once, alone; items that arrive while a call for their key is in flight
 * queue up and go together in the next call. So grouping adds no latency at low load, and
 * under load one round trip carries many items (DESIGN §4: one statement, one commit and one
 * lock of the organization's usage row for a burst of submissions).
 *
 * A failed call of several items runs each of them alone, so one bad item (say, a duplicate
 * Idempotency-Key) fails only itself. The call must be atomic for that to be safe.
 */
interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (err: unknown) => void;
}

export class Batcher<Group, Item, Result> {
  private readonly queues = new Map<string, Array<Pending<Item, Result>>>();

  constructor(
    private readonly call: (group: Group, items: Item[]) => Promise<Result[]>,
    private readonly maxItems = 64,
  ) {}

  run(key: string, group: Group, item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      const queued = this.queues.get(key);
      if (queued) {
        queued.push({ item, resolve, reject });
        return;
      }
      const queue = [{ item, resolve, reject }];
      this.queues.set(key, queue);
      void this.drain(key, group, queue);
    });
  }

  private async drain(key: string, group: Group, queue: Array<Pending<Item, Result>>): Promise<void> {
    while (queue.length > 0) await this.callFor(group, queue.splice(0, this.maxItems));
    this.queues.delete(key);
  }

  private async callFor(group: Group, batch: Array<Pending<Item, Result>>): Promise<void> {
    try {
      const results = await this.call(group, batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const pending of batch) await this.callFor(group, [pending]);
    }
  }
}
