import { describe, expect, it } from 'vitest';
import { WorkLimiter, WorkLimiterBusyError } from './work-limiter.js';

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('WorkLimiter', () => {
  it('runs at most `concurrency` tasks, and at most `perKey` of one key', async () => {
    const limiter = new WorkLimiter({ concurrency: 2, perKey: 1, maxWaiting: 4, maxWaitingPerKey: 2 });
    const gates = [gate(), gate(), gate()];
    const order: string[] = [];
    const tasks = [
      limiter.run('a', async () => {
        order.push('a1');
        await gates[0]!.promise;
      }),
      limiter.run('a', async () => {
        order.push('a2');
        await gates[1]!.promise;
      }),
      limiter.run('b', async () => {
        order.push('b1');
        await gates[2]!.promise;
      }),
    ];
    await Promise.resolve();
    expect(order).toEqual(['a1', 'b1']);
    expect(limiter.active).toBe(2);
    gates[0]!.open();
    await tasks[0];
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['a1', 'b1', 'a2']);
    expect(limiter.active).toBe(2);
    gates[1]!.open();
    gates[2]!.open();
    await Promise.all(tasks);
    expect(limiter.active).toBe(0);
  });

  it('refuses work past the queue, for one key and over all keys', async () => {
    const limiter = new WorkLimiter({ concurrency: 1, perKey: 1, maxWaiting: 3, maxWaitingPerKey: 2 });
    const g = gate();
    const first = limiter.run('a', () => g.promise);
    const queued = [limiter.run('a', async () => 'a1'), limiter.run('a', async () => 'a2')];
    await expect(limiter.run('a', async () => 'a3')).rejects.toBeInstanceOf(WorkLimiterBusyError);
    const other = limiter.run('b', async () => 'b');
    await expect(limiter.run('c', async () => 'c')).rejects.toBeInstanceOf(WorkLimiterBusyError);
    g.open();
    await first;
    await expect(Promise.all([...queued, other])).resolves.toEqual(['a1', 'a2', 'b']);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new WorkLimiter({ concurrency: 1, perKey: 1, maxWaiting: 1, maxWaitingPerKey: 1 });
    await expect(
      limiter.run('a', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(limiter.run('a', async () => 'ok')).resolves.toBe('ok');
  });
});
