import { describe, expect, it } from 'vitest';
import { balancedSizes, joinTokens, segmentLines, segmentScript, tokenize } from './segment.js';

describe('tokenize', () => {
  it.each([
    "This sentence has {\\an8} tags and a 'quote: [x]; %{pts}'.",
    '<speak><break time="3s"/></speak> $(rm -rf /) `id` && echo; | > x',
    'Hello 😀 world 🎉! Ça va? ¿Qué tal?',
    'مرحبا بالعالم. שלום עולם.',
  ])('keeps every character in order: %s', (text) => {
    expect(joinTokens(tokenize(text, 'en'))).toBe(text);
  });

  it('splits unspaced scripts into words, keeping punctuation on the word before', () => {
    const tokens = tokenize('你好世界。我们今天去公园吧！', 'zh');
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.map((t) => t.text).join('')).toBe('你好世界。我们今天去公园吧！');
    expect(tokens.every((t) => !t.spaceBefore)).toBe(true);
    expect(tokens.some((t) => t.text.endsWith('。'))).toBe(true);
  });

  it('treats whitespace runs as one separator', () => {
    expect(tokenize('a   b\tc', 'en').map((t) => t.text)).toEqual(['a', 'b', 'c']);
  });
});

describe('segmentScript', () => {
  const options = { locale: 'en', maxWordsPerLine: 5, maxLines: 2 };

  it('splits sentences, then balanced chunks of at most words × lines', () => {
    const segments = segmentScript(
      'One two three four five six seven eight nine ten eleven twelve thirteen. Short one!',
      options,
    );
    expect(segments.map((s) => s.tokens.length)).toEqual([7, 6, 2]);
    expect(segments.map((s) => s.boundary)).toEqual(['clause', 'sentence', 'sentence']);
    for (const s of segments) {
      expect(s.lineBreaks.reduce((a, b) => a + b, 0)).toBe(s.tokens.length);
      expect(Math.max(...s.lineBreaks)).toBeLessThanOrEqual(5);
      expect(s.lineBreaks.length).toBeLessThanOrEqual(2);
    }
  });

  it('breaks a long sentence after its commas, and never after a word that leans on the next', () => {
    const texts = (script: string) => segmentScript(script, options).map((s) => joinTokens(s.tokens));
    // The even split was "You upload a clip, type a" + "script, and pick a voice.".
    expect(texts('You upload a clip, type a script, and pick a voice.')).toEqual([
      'You upload a clip, type a script,',
      'and pick a voice.',
    ]);
    // Without punctuation, the even split (7 + 6) would end the first segment on "the".
    expect(texts('Tomorrow we will walk slowly along the river to the old stone bridge')).toEqual([
      'Tomorrow we will walk slowly along',
      'the river to the old stone bridge',
    ]);
    // Other languages keep the even split where they have no commas (the word list is English).
    expect(
      segmentScript('Un deux trois quatre cinq six sept huit neuf dix onze douze treize', {
        ...options,
        locale: 'fr',
      }).map((s) => s.tokens.length),
    ).toEqual([7, 6]);
  });

  it('marks paragraph ends', () => {
    const segments = segmentScript('First paragraph.\n\nSecond paragraph.', options);
    expect(segments.map((s) => s.boundary)).toEqual(['paragraph', 'sentence']);
  });

  it('lays lines out as balanced as possible', () => {
    const [segment] = segmentScript('a b c d e f g', { locale: 'en', maxWordsPerLine: 5, maxLines: 2 });
    expect(segmentLines(segment!).map((l) => l.length)).toEqual([4, 3]);
  });

  it('indexes segments in order', () => {
    const segments = segmentScript('A. B. C.', options);
    expect(segments.map((s) => s.index)).toEqual([0, 1, 2]);
  });
});

describe('balancedSizes', () => {
  it.each([
    [10, 3, [4, 3, 3]],
    [2, 5, [1, 1]],
    [0, 1, [0]],
  ])('%i into %i → %j', (n, parts, expected) => {
    expect(balancedSizes(n, parts)).toEqual(expected);
  });
});
