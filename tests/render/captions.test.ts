/**
 * Captions are really burned in, every template renders, hostile text renders literally, and
 * CJK, right-to-left and emoji text is drawn with real glyphs.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAPTION_STYLES } from '@cutline/render-job';
import { ensureCorpus, type CorpusName } from './corpus.js';
import { bandDifference, greyFrame } from './media-check.js';
import { expectOk, render, type TestRender } from './render-helper.js';

let corpus: Record<CorpusName, string>;
const W = 270;
const H = 480;

/** Grey frames of the 9:16 output at time t, downscaled so comparisons are cheap. */
function frameAt(result: TestRender, t: number): Buffer {
  return greyFrame(join(result.outDir, 'video-9x16.mp4'), t, W, H);
}

async function renderOnGrey(text: string, extra: Record<string, unknown> = {}): Promise<TestRender> {
  const result = await render({
    video: { source: corpus.flatGrey },
    script: { text },
    audio: { original: 'drop' },
    output: { sidecars: true, thumbnail: false },
    ...extra,
  });
  expectOk(result);
  return result;
}

let plain: TestRender;
beforeAll(async () => {
  corpus = await ensureCorpus();
  plain = await renderOnGrey('Hello there, this is a caption test.', { captions: { enabled: false } });
});

describe('burned-in captions', () => {
  it.each(CAPTION_STYLES)('%s draws pixels in the caption area and nowhere near the top', async (style) => {
    const captioned = await renderOnGrey('Hello there, this is a caption test.', { captions: { style } });
    const a = frameAt(plain, 1.2);
    const b = frameAt(captioned, 1.2);
    // Captions sit above the bottom 16% on 9:16; they change the lower half…
    expect(bandDifference(a, b, W, H, 0.5, 0.9)).toBeGreaterThan(1);
    // …and leave the top third alone.
    expect(bandDifference(a, b, W, H, 0, 0.33)).toBeLessThan(0.2);
  });

  it('puts captions at the top when asked', async () => {
    const top = await renderOnGrey('Hello there, this is a caption test.', {
      captions: { position: 'top', style: 'clean' },
    });
    const a = frameAt(plain, 1.2);
    const b = frameAt(top, 1.2);
    expect(bandDifference(a, b, W, H, 0, 0.4)).toBeGreaterThan(1);
    expect(bandDifference(a, b, W, H, 0.6, 1)).toBeLessThan(0.2);
  });

  it('burns a forced watermark even without captions', async () => {
    const marked = await renderOnGrey('Hello there, this is a caption test.', {
      captions: { enabled: false },
      watermark: { text: 'Made with Cutline' },
    });
    expect(bandDifference(frameAt(plain, 1.2), frameAt(marked, 1.2), W, H, 0, 0.2)).toBeGreaterThan(0.3);
  });
});

describe('hostile text renders literally', () => {
  const HOSTILE = [
    '{\\an8}Override tags\\N and {\\pos(10,10)\\c&H0000FF&} colours.',
    "Filter syntax: it's [in]; a:b, c%{pts}%{eif\\:n\\:d} \\' end.",
    '<speak><prosody rate="x-fast">SSML</prosody><break time="5s"/></speak> & <b>xml</b>',
    'Shell: $(touch /tmp/cutline-pwned) `touch /tmp/cutline-pwned` ; rm -rf / | cat && echo > x',
  ];

  it.each(HOSTILE)('%s', async (text) => {
    const result = await renderOnGrey(text, { captions: { style: 'karaoke', maxWordsPerLine: 6, maxLines: 3 } });
    const doc = JSON.parse(await readFile(join(result.outDir, 'words.json'), 'utf8')) as {
      segments: Array<{ words: Array<{ text: string }> }>;
    };
    // Every character survives into the caption words, in order.
    expect(doc.segments.flatMap((s) => s.words.map((w) => w.text)).join(' ')).toBe(text);
    // The text stays where captions go: an {\an8} or \pos in the script moves nothing to the top.
    expect(bandDifference(frameAt(plain, 1), frameAt(result, 1), W, H, 0, 0.33)).toBeLessThan(0.2);
    await expect(readFile('/tmp/cutline-pwned')).rejects.toThrow();
  });
});

describe('scripts and glyph coverage', () => {
  it.each([
    ['CJK', '漢字とかな、한국어', 'espeak:ja'],
    ['Arabic (RTL)', 'مرحبا بالعالم', 'espeak:ar'],
    ['Hebrew (RTL)', 'שלום עולם', 'espeak:he'],
    ['emoji', 'Launch day 🚀🎉😀', 'espeak:en-us'],
  ])('%s has a font for every character and draws it', async (_label, text, voice) => {
    for (const ch of new Set([...text.replace(/\s/g, '')])) {
      const hex = ch.codePointAt(0)!.toString(16);
      const fonts = execFileSync('fc-list', [`:charset=${hex}`, 'family'], { encoding: 'utf8' }).trim();
      expect(fonts, `no font covers U+${hex} (${ch})`).not.toBe('');
    }
    const result = await renderOnGrey(text, { voice: { id: voice }, captions: { style: 'clean' } });
    expect(bandDifference(frameAt(plain, 1), frameAt(result, 1), W, H, 0.5, 0.9)).toBeGreaterThan(0.25);
  });
});
