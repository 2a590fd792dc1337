/**
 * The smart fit on a corpus whose subject positions are known, measured on the rendered
 * outputs: the subject's centre stays inside the 9:16 and 1:1 frames, the camera keeps its
 * speed limit and does not wander back, a cut moves the camera at once, subjects too far
 * apart get the blurred-background fit, and still or black videos render with a still camera.
 * The centre crop's figures go to the log for comparison.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faceModelsDir, type RenderDeps } from '@cutline/render-job';
import { DEFAULT_CAMERA_LIMITS } from '../../render-job/src/media/reframe/camera.js';
import { FaceDetector } from '../../render-job/src/media/reframe/faces.js';
import { expectOk, render } from './render-helper.js';
import {
  ensureReframeCorpus,
  FACE_IN_PHOTO,
  facePhoto,
  FPS,
  isYellow,
  measureSubject,
  share,
  subjectExtents,
  type ReframeClip,
} from './reframe-corpus.js';

const SIZES = { '9:16': { W: 480, H: 854 }, '1:1': { W: 480, H: 480 } } as const;
type Format = keyof typeof SIZES;
// About six seconds of espeak: the longest clip once.
const SCRIPT = 'The subject moves across the frame, and the camera keeps it in view from the first second to the last.';

let corpus: Record<ReframeClip, string>;
beforeAll(async () => {
  corpus = await ensureReframeCorpus();
}, 120_000);

async function renderClip(clip: ReframeClip, fit: 'smart' | 'crop', deps: Partial<RenderDeps> = {}) {
  const result = await render(
    {
      video: { source: corpus[clip], extend: 'loop' },
      script: { text: SCRIPT },
      voice: { id: 'espeak:en' },
      captions: { enabled: false },
      formats: ['9:16', '1:1'],
      fit,
    },
    deps,
  );
  const manifest = expectOk(result);
  return { manifest, path: (f: Format) => join(result.outDir, `video-${f.replace(':', 'x')}.mp4`) };
}

describe('smart fit', () => {
  for (const clip of ['moving', 'face', 'cut'] as const) {
    it(`keeps the subject of "${clip}" inside the 9:16 and 1:1 frames`, async () => {
      const smart = await renderClip(clip, 'smart');
      const centre = await renderClip(clip, 'crop');
      for (const format of Object.keys(SIZES) as Format[]) {
        const { W, H } = SIZES[format];
        const measured = await measureSubject(clip, smart.path(format), W, H);
        const baseline = await measureSubject(clip, centre.path(format), W, H);
        console.log(
          `reframe ${clip} ${format}: subject inside ${(share(measured.inside) * 100).toFixed(1)} % (smart) vs ${(share(baseline.inside) * 100).toFixed(1)} % (centre crop), ${measured.frames} frames`,
        );
        expect(measured.frames).toBeGreaterThan(100);
        expect(share(measured.inside)).toBeGreaterThanOrEqual(0.95);
        // The video's own cuts: the one inside "cut", and the loop back to its start.
        if (clip !== 'face') expectCameraWithinLimits(measured.camera, H, clip === 'cut' ? [90, 180] : [180]);
        if (clip === 'cut') {
          const cut = 3 * FPS;
          // On the new subject within two frames of the cut (and on the old one before it).
          expect(measured.inside.slice(cut + 2, cut + 30).every(Boolean)).toBe(true);
          expect(measured.inside.slice(cut - 30, cut).every(Boolean)).toBe(true);
          const camera = smart.manifest.reframe!.cameras.find((c) => c.aspect === format)!;
          expect(camera.shots.map((s) => [s.start, s.mode])).toEqual([
            [0, 'track'],
            [3, 'track'],
          ]);
        }
      }
      expect(smart.manifest.reframe!.warnings).toEqual([]);
      if (clip === 'face') {
        // The photograph's face was found (the detector is installed by make tools).
        expect(smart.manifest.reframe!.faces.detector).toBe('mtcnn');
        expect(smart.manifest.reframe!.faces.framesWithFaces).toBeGreaterThanOrEqual(5);
      }
    });
  }

  it('frames a face before a bigger moving subject when both cannot fit', async () => {
    const { manifest, path } = await renderClip('faceAndMotion', 'smart');
    expect(manifest.reframe!.faces.framesWithFaces).toBeGreaterThanOrEqual(5);
    // The same render without the face cue, for comparison: the distractor pulls the camera away.
    const blind = await renderClip('faceAndMotion', 'smart', { faceModelsDir: join(tmpdir(), 'no-face-models') });
    expect(blind.manifest.reframe!.faces.detector).toBe('none');
    for (const format of Object.keys(SIZES) as Format[]) {
      const { W, H } = SIZES[format];
      const measured = share((await measureSubject('faceAndMotion', path(format), W, H)).inside);
      const without = share((await measureSubject('faceAndMotion', blind.path(format), W, H)).inside);
      console.log(
        `reframe faceAndMotion ${format}: face inside ${(measured * 100).toFixed(1)} % (with faces) vs ${(without * 100).toFixed(1)} % (without)`,
      );
      expect(measured).toBeGreaterThanOrEqual(0.95);
      expect(without).toBeLessThan(measured);
    }
  });

  it('moves the crop along y when a portrait video becomes 16:9 or 1:1', async () => {
    const result = await render({
      video: { source: corpus.portrait },
      script: { text: SCRIPT },
      voice: { id: 'espeak:en' },
      captions: { enabled: false },
      formats: ['16:9', '1:1'],
    });
    const manifest = expectOk(result);
    expect(manifest.reframe!.cameras.map((c) => [c.aspect, c.axis])).toEqual([
      ['16:9', 'y'],
      ['1:1', 'y'],
    ]);
    for (const [format, W, H] of [
      ['16:9', 854, 480],
      ['1:1', 480, 480],
    ] as const) {
      const measured = await measureSubject(
        'portrait',
        join(result.outDir, `video-${format.replace(':', 'x')}.mp4`),
        W,
        H,
      );
      console.log(`reframe portrait ${format}: subject inside ${(share(measured.inside) * 100).toFixed(1)} %`);
      expect(share(measured.inside)).toBeGreaterThanOrEqual(0.95);
      expectCameraWithinLimits(measured.camera, W, [180]);
    }
  });

  it('gives the blurred-background fit to a shot whose two subjects stand at the edges', async () => {
    const { manifest, path } = await renderClip('twoEdges', 'smart');
    for (const format of Object.keys(SIZES) as Format[]) {
      const camera = manifest.reframe!.cameras.find((c) => c.aspect === format)!;
      expect(camera.shots.map((s) => s.mode)).toEqual(['blur']);
      const { W, H } = SIZES[format];
      const frames = await subjectExtents(path(format), W, H, isYellow);
      // Both subjects whole in the picture (the blurred copy behind is not yellow enough to count).
      const bothShown = frames.map((runs) => runs.filter((r) => r.right - r.left >= 30).length === 2);
      expect(share(bothShown)).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('holds a still camera on a still frame and centres a black video, without warnings', async () => {
    const still = await renderClip('still', 'smart');
    for (const camera of still.manifest.reframe!.cameras) {
      expect(new Set(camera.path.map(([, offset]) => offset)).size).toBe(1);
      expect(camera.shots.map((s) => s.mode)).toEqual(['track']);
    }
    // The subject stands still off-centre: the camera is on it (a centre crop would miss it).
    const measured = await measureSubject('still', still.path('9:16'), SIZES['9:16'].W, SIZES['9:16'].H);
    expect(share(measured.inside)).toBe(1);

    const black = await renderClip('black', 'smart');
    expect(black.manifest.reframe!.warnings).toEqual([]);
    for (const camera of black.manifest.reframe!.cameras) {
      expect(camera.shots.map((s) => s.mode)).toEqual(['centre']);
      expect(camera.path.every(([, offset]) => offset === 0.5)).toBe(true);
    }
  });

  it('analyses a long video only as far as the narration goes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-reframe-long-'));
    const long = join(dir, 'long.mp4');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1920x1080:r=30:d=40'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', long],
    ]);
    const manifest = expectOk(
      await render({
        video: { source: long },
        script: { text: 'A short line.' },
        voice: { id: 'espeak:en' },
        captions: { enabled: false },
        formats: ['9:16'],
      }),
    );
    // A short line: the analysis stops where it ends, not at the end of the much longer video.
    expect(manifest.durationSeconds).toBeLessThan(3);
    expect(manifest.reframe!.analysedSeconds).toBeGreaterThanOrEqual(manifest.durationSeconds);
    expect(manifest.reframe!.analysedSeconds).toBeLessThan(10);
    expect(manifest.reframe!.warnings).toEqual([]);
  });

  it('falls back to the centre crop with a warning when the analysis overruns, and keeps 16:9 as it is', async () => {
    const result = await render(
      {
        video: { source: corpus.moving },
        script: { text: 'A short line.' },
        voice: { id: 'espeak:en' },
        captions: { enabled: false },
        formats: ['9:16', '16:9'],
      },
      { reframeTimeoutMs: 1 },
    );
    const manifest = expectOk(result);
    expect(manifest.reframe!.warnings[0]).toMatch(/longer than .* centre crop/);
    expect(manifest.reframe!.cameras).toEqual([]);
    expect(manifest.videos.map((v) => v.aspect)).toEqual(['9:16', '16:9']);
  });
});

/** How far a subject's edge found in a compressed frame may stray: a pixel on each side. */
const NOISE = 2.5;

/**
 * The measured camera never moves faster than its limit (plus rounding), except in one frame
 * at the video's cuts, and never back against the subject's way between them.
 */
function expectCameraWithinLimits(camera: number[], H: number, cuts: number[]): void {
  const sourceWidth = 1920 * (H / 1080);
  const limit = (DEFAULT_CAMERA_LIMITS.maxSpeed * sourceWidth) / FPS + NOISE;
  const steps: Array<{ n: number; step: number }> = [];
  for (let n = 1; n < camera.length; n++) {
    const step = camera[n]! - camera[n - 1]!;
    if (Number.isFinite(step) && !cuts.includes(n)) steps.push({ n, step });
  }
  expect(steps.length).toBeGreaterThan(camera.length / 2);
  expect(steps.filter((s) => Math.abs(s.step) > limit)).toEqual([]);
  // Within a shot the subject keeps one direction, so the camera does too.
  const shotOf = (n: number) => cuts.filter((c) => c <= n).length;
  for (let shot = 0; shot <= cuts.length; shot++) {
    const moves = steps.filter((s) => shotOf(s.n) === shot && Math.abs(s.step) > NOISE).map((s) => Math.sign(s.step));
    expect(new Set(moves).size).toBeLessThanOrEqual(1);
  }
}

describe('face detector', () => {
  it('finds the one face of the sample photograph where it is', async () => {
    const detector = await FaceDetector.load(faceModelsDir());
    expect(detector, 'the MTCNN networks are installed by make tools').toBeDefined();
    const rgb = execFileSync('ffmpeg', [
      '-v',
      'error',
      '-i',
      facePhoto(),
      '-vf',
      'scale=256:256',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ]);
    const faces = await detector!.detect({ width: 256, height: 256, data: new Uint8Array(rgb) });
    expect(faces).toHaveLength(1);
    const [face] = faces;
    // Eileen Collins's face: left of the middle, in the upper third.
    expect((face!.x1 + face!.x2) / 2 / 256).toBeCloseTo(FACE_IN_PHOTO, 1);
    expect((face!.y1 + face!.y2) / 2 / 256).toBeLessThan(0.33);
    expect(face!.score).toBeGreaterThan(0.9);
    // A plain frame has none.
    expect(await detector!.detect({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(90) })).toEqual([]);
  });
});

describe('smart fit on unusual sources', () => {
  const clips = {
    'a 32:9 panorama': ['testsrc2=s=1280x360:r=30:d=2'],
    'a 1:4 strip': ['testsrc2=s=270x1080:r=30:d=2'],
    'a single frame': ['testsrc2=s=640x360:r=30:d=0.034'],
    'one colour': ['color=c=red:s=640x360:r=30:d=2'],
  } as const;
  for (const [name, [source]] of Object.entries(clips)) {
    it(`renders ${name} with a sensible camera and no error`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cutline-reframe-odd-'));
      const path = join(dir, 'source.mp4');
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        source,
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv420p',
        path,
      ]);
      const manifest = expectOk(
        await render({
          video: { source: path },
          script: { text: 'A short line.' },
          voice: { id: 'espeak:en' },
          formats: ['9:16', '1:1', '16:9'],
        }),
      );
      expect(manifest.videos).toHaveLength(3);
      expect(manifest.reframe!.warnings).toEqual([]);
      for (const camera of manifest.reframe!.cameras)
        for (const [, offset] of camera.path) {
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThanOrEqual(1);
        }
    });
  }
});
