import { describe, expect, it } from 'vitest';
import { spokenWeight, spreadWords } from './timing.js';

describe('spokenWeight', () => {
  it('weighs by syllables, digits, and CJK characters', () => {
    expect(spokenWeight('cat')).toBe(1);
    expect(spokenWeight('beautiful')).toBeGreaterThan(spokenWeight('cat'));
    expect(spokenWeight('2026')).toBe(4);
    expect(spokenWeight('你好')).toBe(2);
    expect(spokenWeight('hello,')).toBeGreaterThan(spokenWeight('hello'));
    expect(spokenWeight('مرحبا')).toBeGreaterThanOrEqual(1);
  });
});

describe('spreadWords', () => {
  it('covers the span exactly, monotonic, gapless', () => {
    const tokens = ['The', 'extraordinary', 'cat', 'sat.'].map((text) => ({ text, spaceBefore: true }));
    const words = spreadWords(tokens, 1, 3);
    expect(words[0]!.start).toBe(1);
    expect(words.at(-1)!.end).toBe(3);
    for (let i = 1; i < words.length; i++) {
      expect(words[i]!.start).toBe(words[i - 1]!.end);
      expect(words[i]!.end).toBeGreaterThan(words[i]!.start);
    }
    // The long word gets the most time.
    const durations = words.map((w) => w.end - w.start);
    expect(durations[1]).toBe(Math.max(...durations));
  });
});
