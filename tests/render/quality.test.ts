/**
 * One full-size render in three formats, checked the way a viewer's player and a platform's
 * upload checks would: geometry, codecs, faststart, duration, loudness, and sidecar timings
 * that agree with the audio actually in the file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCorpus } from './corpus.js';
import { integratedLufs, probe, silences, topLevelBoxes } from './media-check.js';
import { expectOk, filesIn, render, type TestRender } from './render-helper.js';

const SCRIPT =
  'Cutline turns one video into many. Type a script, and the narration is synthesised sentence by sentence. ' +
  'Every caption is timed to the voice.\n\nThis is the second paragraph, which ends the narration.';

interface WordDoc {
  duration: number;
  segments: Array<{
    start: number;
    end: number;
    text: string;
    words: Array<{ text: string; start: number; end: number }>;
  }>;
}

let result: TestRender;
let dropped: TestRender;
let words: WordDoc;

beforeAll(async () => {
  const corpus = await ensureCorpus();
  result = await render({
    video: { source: corpus.h264Landscape },
    script: { text: SCRIPT },
    formats: ['9:16', '1:1', '16:9'],
    maxResolution: 1080,
    encoding: { preset: 'superfast' },
  });
  words = JSON.parse(await readFile(join(result.outDir, 'words.json'), 'utf8')) as WordDoc;
  // The same narration without the source's own sound, to find the voice's pauses.
  dropped = await render({
    video: { source: corpus.noAudio },
    script: { text: SCRIPT },
    audio: { original: 'drop' },
    captions: { enabled: false },
  });
});

describe('a three-format render', () => {
  it('writes every output, the sidecars, a thumbnail and the manifest — nothing else', async () => {
    expectOk(result);
    expect(await filesIn(result.outDir)).toEqual([
      'captions.srt',
      'captions.vtt',
      'manifest.json',
      'thumbnail.jpg',
      'video-16x9.mp4',
      'video-1x1.mp4',
      'video-9x16.mp4',
      'words.json',
    ]);
    const manifest = JSON.parse(await readFile(join(result.outDir, 'manifest.json'), 'utf8')) as {
      videos: unknown[];
      renderId: string;
    };
    expect(manifest.videos).toHaveLength(3);
  });

  it.each([
    ['video-9x16.mp4', 1080, 1920],
    ['video-1x1.mp4', 1080, 1080],
    ['video-16x9.mp4', 1920, 1080],
  ])('%s is %ix%i H.264 High yuv420p + AAC 48 kHz, moov first, narration-long', (file, width, height) => {
    const path = join(result.outDir, file);
    const info = probe(path);
    const video = info.streams.find((s) => s.codec_type === 'video');
    const audio = info.streams.find((s) => s.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', width, height });
    expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
    const boxes = topLevelBoxes(path);
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(Math.abs(Number(info.format.duration) - words.duration)).toBeLessThan(0.1);
  });

  it('is loudness-normalised to -14 LUFS ±1 LU, with and without the source sound', () => {
    expect(Math.abs(integratedLufs(join(result.outDir, 'video-9x16.mp4')) + 14)).toBeLessThanOrEqual(1);
    expect(Math.abs(integratedLufs(join(dropped.outDir, 'video-9x16.mp4')) + 14)).toBeLessThanOrEqual(1);
  });

  it('has a thumbnail of the first format', () => {
    const thumb = probe(join(result.outDir, 'thumbnail.jpg')).streams[0]!;
    expect([thumb.codec_name, thumb.width, thumb.height]).toEqual(['mjpeg', 1080, 1920]);
  });

  it('word timings are monotonic and within the audio', () => {
    let previous = 0;
    for (const segment of words.segments) {
      expect(segment.start).toBeGreaterThanOrEqual(previous);
      expect(segment.end).toBeGreaterThan(segment.start);
      for (const word of segment.words) {
        expect(word.start).toBeGreaterThanOrEqual(previous);
        expect(word.end).toBeGreaterThanOrEqual(word.start);
        expect(word.start).toBeGreaterThanOrEqual(segment.start);
        expect(word.end).toBeLessThanOrEqual(segment.end + 1e-6);
        previous = word.start;
      }
      previous = segment.end;
    }
    expect(previous).toBeLessThanOrEqual(words.duration);
    expect(words.segments.flatMap((s) => s.words.map((w) => w.text)).join(' ')).toBe(SCRIPT.replace(/\s+/g, ' '));
  });

  it('SRT and WebVTT cues are monotonic and within the audio', async () => {
    const srt = await readFile(join(result.outDir, 'captions.srt'), 'utf8');
    const vtt = await readFile(join(result.outDir, 'captions.vtt'), 'utf8');
    for (const [text, sep] of [
      [srt, ','],
      [vtt, '.'],
    ] as const) {
      const times = [...text.matchAll(new RegExp(`(\\d\\d):(\\d\\d):(\\d\\d)\\${sep}(\\d{3})`, 'g'))].map(
        (m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000,
      );
      expect(times.length).toBe(words.segments.length * 2);
      for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
      expect(times.at(-1)!).toBeLessThanOrEqual(words.duration + 0.001);
    }
  });

  it('segment boundaries sit within 50 ms of the pauses in the rendered audio', async () => {
    const doc = JSON.parse(await readFile(join(dropped.outDir, 'words.json'), 'utf8')) as WordDoc;
    const gaps = silences(join(dropped.outDir, 'video-9x16.mp4'), -50, 0.08);
    // Each segment after the first starts where a pause ends; each segment ends where one starts.
    for (const segment of doc.segments.slice(1)) {
      const nearestEnd = Math.min(...gaps.map(([, end]) => Math.abs(end - segment.start)));
      expect(nearestEnd).toBeLessThan(0.05);
    }
    for (const segment of doc.segments) {
      const nearestStart = Math.min(...gaps.map(([start]) => Math.abs(start - segment.end)));
      expect(nearestStart).toBeLessThan(0.05);
    }
  });

  it('reports progress through every stage to 100%, then success', () => {
    const progress = result.events.filter((e) => e.type === 'progress');
    expect(new Set(progress.map((e) => e.stage))).toEqual(
      new Set(['fetching', 'probing', 'synthesizing', 'encoding', 'publishing']),
    );
    const values = progress.map((e) => e.progress);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(values.at(-1)).toBe(1);
    expect(result.events.filter((e) => e.type === 'state').map((e) => e.state)).toEqual(['running', 'succeeded']);
  });
});
