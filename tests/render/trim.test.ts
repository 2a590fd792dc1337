/**
 * Trimming: a render with in and out points starts at the in point (frame comparison with
 * the source), loops the trimmed segment rather than the whole video, and refuses points
 * outside the video or out of order with exit-2 errors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { greyFrame } from './media-check.js';
import { expectOk, render } from './render-helper.js';

const W = 320;
const H = 180;
/** A 6 s clip whose grey level is 40 × its time: a frame says when it is from. */
let ramp: string;

beforeAll(async () => {
  ramp = join(await mkdtemp(join(tmpdir(), 'cutline-trim-')), 'ramp.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `color=c=black:s=${W}x${H}:r=25:d=6,geq=lum='40*T':cb=128:cr=128`,
    '-c:v',
    'libx264',
    '-g',
    '50',
    '-pix_fmt',
    'yuv420p',
    ramp,
  ]);
});

/** The mean grey level of a frame. */
const level = (file: string, t: number) => {
  const frame = greyFrame(file, t, W, H);
  return frame.reduce((sum, v) => sum + v, 0) / frame.length;
};

const base = (trim: object) => ({
  video: { source: ramp, trim },
  script: { text: 'A few seconds of narration over the part of the clip that was kept, looping it.' },
  captions: { enabled: false },
  formats: ['16:9'],
  fit: 'crop',
});

describe('trimming', () => {
  it('starts at the in point and loops the segment, not the whole video', async () => {
    const result = await render(base({ start: 2, end: 3.5 }));
    const manifest = expectOk(result);
    expect(manifest.durationSeconds).toBeGreaterThan(3.5);
    expect(manifest.source.durationSeconds).toBeCloseTo(1.5, 1);
    const out = join(result.outDir, 'video-16x9.mp4');
    // The first frame is the source's at the in point (grey 80), not its first (grey 16, video black).
    expect(Math.abs(level(out, 0) - level(ramp, 2))).toBeLessThan(3);
    expect(level(ramp, 2) - level(ramp, 0)).toBeGreaterThan(50);
    // Inside the segment the picture follows the source; once the segment has played, it starts again.
    expect(Math.abs(level(out, 1) - level(ramp, 3))).toBeLessThan(3);
    expect(Math.abs(level(out, 2) - level(ramp, 2.5))).toBeLessThan(3);
  });

  it.each([
    [{ start: 7 }, 'at or after the end'],
    [{ start: 1, end: 9 }, 'after the end'],
    [{ start: 3, end: 2 }, 'at least 0.1 s after'],
  ])('refuses %j with CUTLINE_TRIM_INVALID', async (trim, message) => {
    const result = await render(base(trim));
    expect(result.outcome.ok).toBe(false);
    if (result.outcome.ok) return;
    expect(result.outcome.error.code).toBe('CUTLINE_TRIM_INVALID');
    expect(result.outcome.error.message).toContain(message);
    expect(result.outcome.error.exitCode).toBe(2);
  });
});
