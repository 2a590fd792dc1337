import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

/** A call that records the items of every call and answers each with its double. */
function recorder(fail?: (items: number[]) => boolean) {
  const calls: number[][] = [];
  const call = async (_group: string, items: number[]) => {
    calls.push(items);
    await new Promise((r) => setTimeout(r, 5));
    if (fail?.(items)) throw new Error(`refused ${items.join(',')}`);
    return items.map((i) => i * 2);
  };
  return { calls, call };
}

describe('Batcher', () => {
  it('runs a lone item at once and groups those that arrive while it is in flight', async () => {
    const { calls, call } = recorder();
    const batcher = new Batcher(call);
    const results = await Promise.all([1, 2, 3, 4].map((i) => batcher.run('org-a', 'org-a', i)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps keys apart and caps the items of one call', async () => {
    const { calls, call } = recorder();
    const batcher = new Batcher(call, 2);
    await Promise.all([batcher.run('a', 'a', 1), batcher.run('b', 'b', 10), batcher.run('a', 'a', 2), batcher.run('a', 'a', 3), batcher.run('a', 'a', 4)]);
    expect(calls).toEqual([[1], [10], [2, 3], [4]]);
  });

  it('runs the items of a failed call alone, so only the bad one fails', async () => {
    const { calls, call } = recorder((items) => items.includes(3));
    const batcher = new Batcher(call);
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => batcher.run('k', 'k', i)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([2, 4, 'refused 3', 8]);
    expect(calls).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('starts afresh after a key drains', async () => {
    const { calls, call } = recorder();
    const batcher = new Batcher(call);
    await batcher.run('k', 'k', 1);
    await batcher.run('k', 'k', 2);
    expect(calls).toEqual([[1], [2]]);
  });
});
