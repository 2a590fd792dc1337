/**
 * Every kind of source in the corpus renders to a valid output of the requested geometry and
 * exactly the narration's length.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCorpus, type CorpusName } from './corpus.js';
import { probe } from './media-check.js';
import { expectOk, render } from './render-helper.js';

let corpus: Record<CorpusName, string>;
beforeAll(async () => {
  corpus = await ensureCorpus();
});

const SOURCES: Array<[CorpusName, string, { width: number; height: number; rotation?: number; audio: boolean }]> = [
  ['hevcPortrait', 'HEVC portrait', { width: 720, height: 1280, audio: true }],
  ['vp9Square', 'VP9 square (WebM, Opus)', { width: 720, height: 720, audio: true }],
  ['av1', 'AV1 without audio', { width: 640, height: 360, audio: false }],
  ['rotated', 'rotation metadata (90°)', { width: 720, height: 1280, rotation: 90, audio: true }],
  ['variableFrameRate', 'variable frame rate', { width: 960, height: 540, audio: false }],
  ['noAudio', 'no audio track', { width: 854, height: 480, audio: false }],
  ['oddDimensions', 'odd dimensions, 4:4:4', { width: 853, height: 479, audio: false }],
  ['oneSecond', 'a 1-second clip (looped)', { width: 1280, height: 720, audio: true }],
  ['uhd4k', '4K source', { width: 3840, height: 2160, audio: false }],
];

describe('renders the source corpus', () => {
  it.each(SOURCES)('%s: %s', async (name, _label, expected) => {
    const result = await render({
      video: { source: corpus[name] },
      script: { text: 'A short narration, long enough to outlast the one second clip.' },
      formats: ['9:16', '16:9'],
    });
    const manifest = expectOk(result);
    expect(manifest.source).toMatchObject({ width: expected.width, height: expected.height });
    if (expected.rotation) expect(Math.abs(manifest.source.rotation)).toBe(expected.rotation);

    for (const video of manifest.videos) {
      const info = probe(join(result.outDir, video.name));
      const v = info.streams.find((s) => s.codec_type === 'video')!;
      const a = info.streams.find((s) => s.codec_type === 'audio')!;
      expect([v.width, v.height]).toEqual(video.aspect === '9:16' ? [480, 854] : [854, 480]);
      expect(v).toMatchObject({ codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p' });
      expect(a).toMatchObject({ codec_name: 'aac', sample_rate: '48000' });
      expect(Math.abs(Number(info.format.duration) - manifest.durationSeconds)).toBeLessThan(0.1);
    }
  });
});
