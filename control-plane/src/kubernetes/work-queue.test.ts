import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('handles a key once however often it is added while waiting', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new WorkQueue(
      async (key) => {
        seen.push(key);
        if (key === 'block') await gate;
      },
      { workers: 1, baseDelayMs: 1, maxDelayMs: 10 },
    );
    queue.add('block');
    for (let i = 0; i < 5; i++) queue.add('a');
    expect(queue.depth).toBe(1);
    release();
    await tick(20);
    expect(seen).toEqual(['block', 'a']);
  });

  it('never runs one key twice at once, and reruns a key added while it ran', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const queue = new WorkQueue(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        await tick(10);
        running--;
      },
      { workers: 4, baseDelayMs: 1, maxDelayMs: 10 },
    );
    queue.add('k');
    await tick(2);
    queue.add('k');
    queue.add('k');
    await tick(60);
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('retries a failing key with growing delays until it succeeds', async () => {
    const attempts: number[] = [];
    const errors: number[] = [];
    const queue = new WorkQueue(
      async () => {
        attempts.push(Date.now());
        if (attempts.length < 4) throw new Error('conflict');
      },
      { workers: 1, baseDelayMs: 5, maxDelayMs: 1000, onError: (_key, _err, failures) => errors.push(failures) },
    );
    queue.add('k');
    await tick(150);
    expect(attempts).toHaveLength(4);
    expect(errors).toEqual([1, 2, 3]);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(gaps[2]!).toBeGreaterThanOrEqual(gaps[0]!);
  });

  it('runs different keys in parallel up to the worker count', async () => {
    let running = 0;
    let maxRunning = 0;
    const queue = new WorkQueue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await tick(10);
        running--;
      },
      { workers: 3, baseDelayMs: 1, maxDelayMs: 10 },
    );
    for (let i = 0; i < 9; i++) queue.add(`k${i}`);
    await tick(60);
    expect(maxRunning).toBe(3);
  });

  it('adds a key after a delay, once however often it is asked', async () => {
    const handled: string[] = [];
    const queue = new WorkQueue(async (key) => void handled.push(key), { workers: 1, baseDelayMs: 1, maxDelayMs: 10 });
    queue.addAfter('later', 30);
    queue.addAfter('later', 5);
    await tick(10);
    expect(handled).toEqual([]);
    await tick(40);
    expect(handled).toEqual(['later']);
  });
});
