import { describe, expect, it } from 'vitest';
import { segmentScript } from '../text/segment.js';
import type { TimedSegment } from '../tts/narration.js';
import { assTime, buildAss, escapeAssText } from './ass.js';
import { spreadWords } from './timing.js';

function timed(text: string, start = 0.25, perSegment = 1.5): TimedSegment[] {
  let at = start;
  return segmentScript(text, { locale: 'en', maxWordsPerLine: 4, maxLines: 2 }).map((segment) => {
    const s = at;
    at += perSegment + 0.3;
    return {
      index: segment.index,
      text: '',
      start: s,
      end: s + perSegment,
      words: spreadWords(segment.tokens, s, s + perSegment),
      segment,
    };
  });
}

const base = {
  style: 'clean' as const,
  width: 1080,
  height: 1920,
  aspect: '9:16' as const,
  position: 'bottom' as const,
  scale: 1,
  duration: 10,
  enabled: true,
};

function dialogues(ass: string): string[] {
  return ass.split('\n').filter((l) => l.startsWith('Dialogue:'));
}

describe('escapeAssText', () => {
  it('makes override blocks, escapes and braces literal', () => {
    const escaped = escapeAssText('{\\an8}\\N\\h}{');
    // No unescaped brace opens an override block…
    expect(escaped).not.toMatch(/(^|[^\\])\{/);
    // …and no backslash is directly followed by a letter libass would interpret.
    expect(escaped).not.toMatch(/\\[Nnh]/);
    expect(escaped.replace(/\u2060/g, '').replace(/\\([{}])/g, '$1')).toBe('{\\an8}\\N\\h}{');
  });

  it('turns newlines into spaces', () => {
    expect(escapeAssText('a\nb\r\nc')).toBe('a b  c');
  });
});

describe('assTime', () => {
  it.each([
    [0, '0:00:00.00'],
    [1.234, '0:00:01.23'],
    [61.005, '0:01:01.01'],
    [3725.5, '1:02:05.50'],
  ])('%f s → %s', (s, expected) => expect(assTime(s)).toBe(expected));
});

describe('buildAss', () => {
  it('writes one event per segment, chained so captions never flicker off', () => {
    const segments = timed('First sentence here. Second sentence follows. Third.');
    const events = dialogues(buildAss(segments, base));
    expect(events).toHaveLength(3);
    expect(events[0]).toContain('0:00:00.25,0:00:02.05');
    expect(events[2]).toContain(',0:00:10.00,');
  });

  it('scales the style to the output size', () => {
    const small = buildAss(timed('Hi.'), { ...base, width: 720, height: 1280 });
    const large = buildAss(timed('Hi.'), { ...base, width: 2160, height: 3840 });
    const size = (ass: string) =>
      Number(
        ass
          .split('\n')
          .find((l) => l.startsWith('Style: Caption'))!
          .split(',')[2],
      );
    expect(size(large) / size(small)).toBeCloseTo(3, 1);
  });

  it('karaoke timing adds up to the word timings', () => {
    const segments = timed('One two three four.');
    const [event] = dialogues(buildAss(segments, { ...base, style: 'karaoke' }));
    const ks = [...event!.matchAll(/\\k(\d+)/g)].map((m) => Number(m[1]));
    const total = ks.reduce((a, b) => a + b, 0);
    const words = segments[0]!.words;
    expect(total).toBe(Math.round(words.at(-1)!.end * 100) - Math.round(segments[0]!.start * 100));
  });

  it('never lets user text open an override block', () => {
    const segments = timed('Look {\\an8\\pos(0,0)} here {\\k500} end.');
    for (const style of ['clean', 'karaoke', 'pop-in', 'pill', 'bold-outline'] as const) {
      for (const event of dialogues(buildAss(segments, { ...base, style }))) {
        const text = event.split(',').slice(9).join(',');
        // Every override block left must be one we wrote: only \k, \fad.
        const blocks = [...text.matchAll(/(?<!\\)\{([^}]*)\}/g)].map((m) => m[1]);
        for (const b of blocks) expect(b).toMatch(/^\\(k\d+|fad\(\d+,\d+\))$/);
      }
    }
  });

  it('adds a watermark event and honours enabled=false', () => {
    const ass = buildAss(timed('Hello there.'), { ...base, enabled: false, watermark: 'Made with {Cutline}' });
    const events = dialogues(ass);
    expect(events).toHaveLength(1);
    expect(events[0]).toContain('Watermark');
    expect(events[0]).toContain('Made with \\{Cutline\\}');
  });

  it('places captions at the top or middle when asked', () => {
    const alignment = (position: 'top' | 'middle' | 'bottom') =>
      buildAss(timed('Hi.'), { ...base, position })
        .split('\n')
        .find((l) => l.startsWith('Style: Caption'))!
        .split(',')[18];
    expect([alignment('bottom'), alignment('middle'), alignment('top')]).toEqual(['2', '5', '8']);
  });
});
