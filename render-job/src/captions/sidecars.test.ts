import { describe, expect, it } from 'vitest';
import { segmentScript } from '../text/segment.js';
import type { TimedSegment } from '../tts/narration.js';
import { buildSrt, buildVtt, buildWordTimings, escapeVtt } from './sidecars.js';
import { spreadWords } from './timing.js';

const segments: TimedSegment[] = segmentScript('Hello <b>world</b> & friends. Second line here.', {
  locale: 'en',
  maxWordsPerLine: 3,
  maxLines: 2,
}).map((segment, i) => ({
  index: i,
  text: '',
  start: 0.25 + i * 2,
  end: 1.9 + i * 2,
  words: spreadWords(segment.tokens, 0.25 + i * 2, 1.9 + i * 2),
  segment,
}));

describe('sidecars', () => {
  it('SRT numbers cues with comma milliseconds and line breaks', () => {
    const srt = buildSrt(segments, 5);
    expect(srt).toMatch(/^1\n00:00:00,250 --> 00:00:02,250\nHello <b>world<\/b>\n& friends\.\n/);
    expect(srt).toContain('00:00:02,250 --> 00:00:05,000');
  });

  it('WebVTT escapes markup characters', () => {
    const vtt = buildVtt(segments, 5);
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    expect(vtt).toContain('Hello &lt;b&gt;world&lt;/b&gt;');
    expect(vtt).toContain('&amp; friends.');
    expect(escapeVtt('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });

  it('word timings JSON lists every word in order', () => {
    const doc = buildWordTimings(segments, 5);
    const words = doc.segments.flatMap((s) => s.words);
    expect(words.map((w) => w.text).join(' ')).toBe('Hello <b>world</b> & friends. Second line here.');
    for (let i = 1; i < words.length; i++) expect(words[i]!.start).toBeGreaterThanOrEqual(words[i - 1]!.start);
  });
});
