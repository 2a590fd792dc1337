import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

/** A call that records the items of every call and answers each with its double. */
function recorder(fail?: (items: number[]) => boolean) {
  const calls: number[][] = [];
  const call = async (items: number[]) => {
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
    const results = await Promise.all([1, 2, 3, 4].map((i) => batcher.run(i)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
  });

  it('caps the items of one call', async () => {
    const { calls, call } = recorder();
    const batcher = new Batcher(call, 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => batcher.run(i)));
    expect(calls).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('runs the items of a failed call alone, so only the bad one fails', async () => {
    const { calls, call } = recorder((items) => items.includes(3));
    const batcher = new Batcher(call);
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => batcher.run(i)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      2,
      4,
      'refused 3',
      8,
    ]);
    expect(calls).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('starts afresh after the queue drains', async () => {
    const { calls, call } = recorder();
    const batcher = new Batcher(call);
    await batcher.run(1);
    await batcher.run(2);
    expect(calls).toEqual([[1], [2]]);
  });
});
