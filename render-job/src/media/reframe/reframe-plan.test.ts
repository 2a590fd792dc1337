import { describe, expect, it } from 'vitest';
import type { SourceAnalysis } from './analyse-source.js';
import { bestWindow, histogram, histogramDistance, saliencyProfiles, type GreyFrame } from './frame-features.js';
import { cameraCommands, cropWindow, describeCamera, planCameras } from './reframe-plan.js';
import { detectCuts, shotsOf } from './shots.js';

const W = 64;
const H = 36;

/** A frame of grey `level` with bright boxes of 6×8 at each x. */
function frame(level: number, boxes: number[] = []): GreyFrame {
  const data = new Uint8Array(W * H).fill(level);
  for (const bx of boxes)
    for (let y = 14; y < 22; y++) for (let x = Math.max(0, bx); x < Math.min(W, bx + 6); x++) data[y * W + x] = 250;
  return { width: W, height: H, data };
}

/** An analysis of `frames` frames at 30 fps whose subjects stand at boxesAt(frame), cut where `level` changes. */
function analysis(
  frames: number,
  boxesAt: (f: number) => number[],
  levelAt: (f: number) => number = () => 60,
): SourceAnalysis {
  const distances = new Float32Array(frames);
  const samples: SourceAnalysis['samples'] = [];
  let previous: GreyFrame | undefined;
  let previousHistogram: Float32Array | undefined;
  for (let f = 0; f < frames; f++) {
    const current = frame(levelAt(f), boxesAt(f));
    const bins = histogram(current);
    distances[f] = previousHistogram ? histogramDistance(bins, previousHistogram) : 0;
    previousHistogram = bins;
    if (f % 6 === 0) {
      const sameShot = previous && levelAt(f) === levelAt(f - 6);
      samples.push({ frame: f, profiles: saliencyProfiles(current, sameShot ? previous : undefined) });
      previous = current;
    }
  }
  const faces = { detector: 'none' as const, framesChecked: 0, framesWithFaces: 0 };
  return { fps: 30, frames, wholeSource: true, width: W, height: H, distances, samples, faces };
}

describe('frame features', () => {
  it('finds a subject on a plain frame and gives the centre for a blank one', () => {
    const fit = bestWindow(saliencyProfiles(frame(60, [50])).x, 0.3);
    expect(fit.centre).toBeGreaterThan(0.75);
    expect(fit.coverage).toBeGreaterThan(0.9);
    expect(bestWindow(saliencyProfiles(frame(0)).x, 0.3)).toEqual({ centre: 0.5, coverage: 1, mass: 0 });
  });

  it('measures a cut as a large histogram distance', () => {
    expect(histogramDistance(histogram(frame(60)), histogram(frame(60, [10])))).toBeLessThan(0.05);
    expect(histogramDistance(histogram(frame(60)), histogram(frame(200)))).toBeGreaterThan(0.9);
  });
});

describe('shots', () => {
  it('cuts on a jump, not on a flash or a steady change', () => {
    const d = new Float32Array(200).fill(0.01);
    d[60] = 0.9; // a cut
    d[64] = 0.9; // a flash right after it: too short to be a shot
    for (let f = 120; f < 160; f++) d[f] = 0.35; // a long dissolve-like stretch: no single jump
    expect(detectCuts(d, 30)).toEqual([60]);
    expect(shotsOf(200, [60])).toEqual([
      { start: 0, end: 60 },
      { start: 60, end: 200 },
    ]);
    expect(shotsOf(0, [])).toEqual([]);
  });
});

describe('planCameras', () => {
  const options = {
    sourceAspect: 16 / 9,
    formats: ['9:16', '1:1', '16:9'] as const,
    outputFrames: 180,
    extend: 'loop' as const,
  };

  it('gives a camera only to the formats whose shape differs', () => {
    expect(cropWindow(16 / 9, '16:9')).toBeUndefined();
    expect(cropWindow(16 / 9, '9:16')).toEqual({ axis: 'x', window: 9 / 16 / (16 / 9) });
    expect(cropWindow(9 / 16, '16:9')).toEqual({ axis: 'y', window: 9 / 16 / (16 / 9) });
    const cameras = planCameras(
      analysis(180, (f) => [4 + f / 4]),
      { ...options, formats: [...options.formats] },
    );
    expect(cameras.map((c) => c.aspect)).toEqual(['9:16', '1:1']);
  });

  it('follows a moving subject, cuts with the video, and blurs a shot whose subjects are far apart', () => {
    // Shot 1 (0–59): one subject moving right; shot 2 (60–119): subject on the right;
    // shot 3 (120–179): two subjects at the edges.
    const a = analysis(
      180,
      (f) => (f < 60 ? [4 + f / 3] : f < 120 ? [54] : [1 + (f % 2), 57 - (f % 2)]),
      (f) => (f < 60 ? 60 : f < 120 ? 120 : 30),
    );
    const [portrait] = planCameras(a, { ...options, formats: ['9:16'] });
    expect(portrait!.shots.map((s) => s.mode)).toEqual(['track', 'track', 'blur']);
    expect(portrait!.shots.map((s) => s.start)).toEqual([0, 60, 120]);
    expect(portrait!.offsets[59]).toBeGreaterThan(portrait!.offsets[0]!);
    // On the new subject from the cut's first frame.
    expect(portrait!.offsets[60]).toBeGreaterThan(0.9);
    expect(portrait!.blurRanges).toEqual([[120, 180]]);
  });

  it('loops or holds the path past the analysed frames, and centres a blank video', () => {
    const a = analysis(60, (f) => [4 + f / 2]);
    const [looped] = planCameras(a, { ...options, formats: ['9:16'], outputFrames: 150 });
    expect(looped!.offsets[130]).toBeCloseTo(looped!.offsets[10]!, 5);
    const [held] = planCameras(a, { ...options, formats: ['9:16'], outputFrames: 150, extend: 'freeze' });
    expect(held!.offsets[130]).toBeCloseTo(held!.offsets[59]!, 5);
    const [blank] = planCameras(
      analysis(
        60,
        () => [],
        () => 0,
      ),
      { ...options, formats: ['9:16'] },
    );
    expect(blank!.shots.map((s) => s.mode)).toEqual(['centre']);
    expect(new Set(blank!.offsets)).toEqual(new Set([0.5]));
  });

  it('writes one command per change, half a frame early, and a compact manifest path', () => {
    const a = analysis(90, (f) => [4 + f / 2]);
    const [camera] = planCameras(a, { ...options, formats: ['9:16'], outputFrames: 90 });
    const script = cameraCommands([{ camera: camera!, index: 1 }], 30);
    const lines = script.split('\n');
    expect(lines[0]).toMatch(/^\d+\.\d{4} crop@camera1 x \(in_w-out_w\)\*\d\.\d{4};$/);
    const times = lines.map((l) => Number(l.split(' ')[0]));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const described = describeCamera(camera!, 30);
    expect(described.path.length).toBeLessThan(90);
    expect(described.path[0]![0]).toBe(0);
    expect(described.path.at(-1)![0]).toBeCloseTo(89 / 30, 3);
  });
});
