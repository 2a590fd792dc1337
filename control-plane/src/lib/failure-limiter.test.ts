import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './failure-limiter.js';

describe('FailureLimiter', () => {
  it('refuses a key after its failures until the window ends, and forgets it on success', () => {
    let now = 0;
    const limiter = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('a@example.com')).toBe(0);
      limiter.fail('a@example.com');
    }
    expect(limiter.retryAfterSeconds('a@example.com')).toBe(60);
    expect(limiter.retryAfterSeconds('b@example.com')).toBe(0);
    now = 30_000;
    expect(limiter.retryAfterSeconds('a@example.com')).toBe(30);
    now = 60_000;
    expect(limiter.retryAfterSeconds('a@example.com')).toBe(0);
    limiter.fail('a@example.com');
    limiter.succeed('a@example.com');
    limiter.fail('a@example.com');
    limiter.fail('a@example.com');
    expect(limiter.retryAfterSeconds('a@example.com')).toBe(0);
  });

  it('keeps at most maxKeys keys', () => {
    const limiter = new FailureLimiter(1, 60_000, () => 0, 2);
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('c');
    expect([limiter.retryAfterSeconds('a'), limiter.retryAfterSeconds('b'), limiter.retryAfterSeconds('c')]).toEqual([
      0, 60, 60,
    ]);
  });
});
