import { describe, expect, it } from 'vitest';
import { WindowCounter } from './window-counter.js';

describe('WindowCounter', () => {
  it('allows the limit per minute per caller, then refuses until the window turns', () => {
    let now = 120_000 + 15_000;
    const counter = new WindowCounter(() => now);
    const states = Array.from({ length: 4 }, () => counter.take('a', 3));
    expect(states.map((s) => [s.allowed, s.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(states[0]!.resetSeconds).toBe(45);
    expect(counter.take('b', 3).allowed).toBe(true);
    now = 180_000;
    expect(counter.take('a', 3)).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 60 });
  });
});
