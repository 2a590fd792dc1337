/** Fit modes, logo, music bed, loop vs freeze, and cancellation. */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCorpus, type CorpusName } from './corpus.js';
import { bandDifference, greyFrame, silences } from './media-check.js';
import { expectOk, filesIn, render, type TestRender } from './render-helper.js';

let corpus: Record<CorpusName, string>;
const W = 270;
const H = 480;
const frame = (r: TestRender, t: number, file = 'video-9x16.mp4') => greyFrame(join(r.outDir, file), t, W, H);
const meanOfBand = (f: Buffer, from: number, to: number) => {
  let sum = 0;
  let n = 0;
  for (let i = Math.floor(from * H) * W; i < Math.floor(to * H) * W; i++, n++) sum += f[i]!;
  return sum / n;
};
const text = 'Checking how the source fills the frame, for a few seconds.';

beforeAll(async () => {
  corpus = await ensureCorpus();
});

describe('fit modes (16:9 source into 9:16)', () => {
  it('letterbox leaves black bars; blur fills them with the picture; crop fills the frame', async () => {
    const base = { video: { source: corpus.h264Landscape }, script: { text }, captions: { enabled: false } };
    const letterbox = await render({ ...base, fit: 'letterbox' });
    const blur = await render({ ...base, fit: 'blur' });
    const crop = await render({ ...base, fit: 'crop' });
    // Limited-range black is 16.
    expect(meanOfBand(frame(letterbox, 1), 0, 0.2)).toBeLessThan(20);
    expect(meanOfBand(frame(blur, 1), 0, 0.2)).toBeGreaterThan(30);
    expect(meanOfBand(frame(crop, 1), 0, 0.2)).toBeGreaterThan(30);
    // The middle band shows the same picture in letterbox and blur.
    expect(bandDifference(frame(letterbox, 1), frame(blur, 1), W, H, 0.45, 0.55)).toBeLessThan(8);
  });
});

describe('logo and music', () => {
  it('overlays the logo in the chosen corner only', async () => {
    const base = {
      video: { source: corpus.flatGrey },
      script: { text: 'Logo test.' },
      captions: { enabled: false },
      audio: { original: 'drop' },
    };
    const plain = await render(base);
    const withLogo = await render({
      ...base,
      logo: { source: corpus.logo, position: 'top-right', opacity: 1, scale: 0.3 },
    });
    const a = frame(plain, 0.5);
    const b = frame(withLogo, 0.5);
    const region = (f: Buffer, x0: number, x1: number, y0: number, y1: number) => {
      let sum = 0;
      let n = 0;
      for (let y = Math.floor(y0 * H); y < Math.floor(y1 * H); y++)
        for (let x = Math.floor(x0 * W); x < Math.floor(x1 * W); x++, n++) sum += f[y * W + x]!;
      return sum / n;
    };
    expect(Math.abs(region(a, 0.7, 0.95, 0.03, 0.08) - region(b, 0.7, 0.95, 0.03, 0.08))).toBeGreaterThan(10);
    // Elsewhere only encoder noise (a few levels at most).
    expect(Math.abs(region(a, 0.05, 0.3, 0.03, 0.08) - region(b, 0.05, 0.3, 0.03, 0.08))).toBeLessThan(3);
    expect(Math.abs(region(a, 0.7, 0.95, 0.9, 0.97) - region(b, 0.7, 0.95, 0.9, 0.97))).toBeLessThan(3);
  });

  it('plays the music bed before the voice starts', async () => {
    const base = {
      video: { source: corpus.noAudio },
      script: { text: 'Music test. Second sentence.' },
      captions: { enabled: false },
    };
    const dry = await render(base);
    const withMusic = await render({ ...base, audio: { music: { source: corpus.music, gainDb: -20 } } });
    expectOk(withMusic);
    // Without music the lead-in is silent; with music it is not. (Between sentences the bed
    // is still ducked under the voice, so short pauses may stay quiet.)
    const startsSilent = (file: string) => silences(file, -50, 0.1).some(([start]) => start < 0.05);
    expect(startsSilent(join(dry.outDir, 'video-9x16.mp4'))).toBe(true);
    expect(startsSilent(join(withMusic.outDir, 'video-9x16.mp4'))).toBe(false);
  });
});

describe('short sources', () => {
  it('loops a 1-second clip, or freezes its last frame', async () => {
    const base = {
      video: { source: corpus.oneSecond },
      script: { text: 'This narration is longer than the one second clip it covers.' },
      captions: { enabled: false },
    };
    const looped = await render({ ...base, video: { source: corpus.oneSecond, extend: 'loop' } });
    const frozen = await render({ ...base, video: { source: corpus.oneSecond, extend: 'freeze' } });
    // Looping repeats the clip every second; freezing holds one picture after it ends.
    expect(bandDifference(frame(looped, 0.5), frame(looped, 1.5), W, H, 0, 1)).toBeLessThan(3);
    expect(bandDifference(frame(looped, 1.5), frame(looped, 1.9), W, H, 0, 1)).toBeGreaterThan(3);
    expect(bandDifference(frame(frozen, 1.5), frame(frozen, 2.5), W, H, 0, 1)).toBeLessThan(1);
  });
});

describe('cancellation', () => {
  it('stops ffmpeg, reports canceled, and leaves neither outputs nor scratch files', async () => {
    const scratchDir = await mkdtemp(join(tmpdir(), 'cutline-scratch-'));
    const controller = new AbortController();
    const result = await render(
      {
        video: { source: corpus.h264Landscape },
        script: { text: 'A render that will be canceled while it encodes. '.repeat(6) },
        maxResolution: 1080,
        formats: ['9:16', '16:9'],
      },
      {
        scratchDir,
        signal: controller.signal,
        events: {
          emit: (e) => {
            if (e.type === 'progress' && e.stage === 'encoding' && e.stageProgress > 0.05) controller.abort();
          },
          close: async () => undefined,
        },
      },
    );
    expect(result.outcome.ok ? 'ok' : result.outcome.error.code).toBe('CUTLINE_CANCELED');
    expect(await filesIn(result.outDir)).toEqual([]);
    expect(await readdir(scratchDir)).toEqual([]);
  });
});
