import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.js';

describe('SingleFlight', () => {
  it('shares a read among callers that overlap it, and reads afresh once it settles', async () => {
    const flight = new SingleFlight<number>();
    let reads = 0;
    const read = async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 5));
      return reads;
    };
    expect(await Promise.all([flight.run('k', read), flight.run('k', read), flight.run('other', read)])).toEqual([
      2, 2, 2,
    ]);
    expect(reads).toBe(2);
    expect(await flight.run('k', read)).toBe(3);
  });

  it('passes a failure to every caller of that read, and does not keep it', async () => {
    const flight = new SingleFlight<number>();
    const failing = () => Promise.reject(new Error('down'));
    await expect(Promise.all([flight.run('k', failing), flight.run('k', failing)])).rejects.toThrow('down');
    expect(await flight.run('k', async () => 7)).toBe(7);
  });
});
