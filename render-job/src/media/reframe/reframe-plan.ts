/**
 * From an analysis to what the render applies: per output format, the axis the crop moves
 * on, a camera path per shot (or a blurred-background fit for a shot whose subjects cannot
 * share the window, or the centre for a shot with nothing to follow), spread over every
 * output frame; then the sendcmd script that moves each format's crop, and the manifest's
 * record of it all. Pure, so it is unit tested.
 */
import type { Aspect } from '../../spec.js';
import type { AnalysisSample, SourceAnalysis } from './analyse-source.js';
import { cameraPath, DEFAULT_CAMERA_LIMITS, type CameraLimits, type TargetSample } from './camera.js';
import { bestWindow, median, type WindowFit } from './frame-features.js';
import { detectCuts, shotsOf } from './shots.js';

export type ShotMode = 'track' | 'centre' | 'blur';

export interface FormatCamera {
  aspect: Aspect;
  axis: 'x' | 'y';
  /** The window's size as a fraction of the axis. */
  window: number;
  /** Per output frame: the crop's offset as a fraction of the room it has (0 left/top, 1 right/bottom). */
  offsets: Float32Array;
  /** Output frame ranges [start, end) shown as the blurred-background fit. */
  blurRanges: Array<[number, number]>;
  shots: Array<{ start: number; end: number; mode: ShotMode }>;
}

/** Below this much saliency a shot has nothing to follow (black, one colour, still and plain). */
export const MIN_SHOT_SALIENCY = 20;
/** A shot whose best window holds less than this share of its saliency has subjects too far apart. */
export const MIN_COVERAGE = 0.6;

const ASPECT_RATIOS: Record<Aspect, number> = { '9:16': 9 / 16, '1:1': 1, '16:9': 16 / 9 };

/** The axis and window of a fill crop from a source of `sourceAspect` (w/h) to `aspect`, or none. */
export function cropWindow(sourceAspect: number, aspect: Aspect): { axis: 'x' | 'y'; window: number } | undefined {
  const target = ASPECT_RATIOS[aspect];
  if (Math.abs(target / sourceAspect - 1) < 0.01) return undefined;
  return target < sourceAspect
    ? { axis: 'x', window: target / sourceAspect }
    : { axis: 'y', window: sourceAspect / target };
}

export interface PlanCamerasOptions {
  sourceAspect: number;
  formats: readonly Aspect[];
  /** Frames of the render; past the analysed ones the path loops or holds (`extend`). */
  outputFrames: number;
  extend: 'loop' | 'freeze';
  limits?: CameraLimits;
}

export function planCameras(analysis: SourceAnalysis, o: PlanCamerasOptions): FormatCamera[] {
  const cuts = detectCuts(analysis.distances, analysis.fps);
  const shots = shotsOf(analysis.frames, cuts);
  const cameras: FormatCamera[] = [];
  for (const aspect of o.formats) {
    const crop = cropWindow(o.sourceAspect, aspect);
    if (!crop) continue;
    const centres = new Float32Array(analysis.frames);
    const modes: Array<{ start: number; end: number; mode: ShotMode }> = [];
    for (const shot of shots) {
      const samples = analysis.samples.filter((s) => s.frame >= shot.start && s.frame < shot.end);
      const fits = smoothedFits(samples, crop.axis, crop.window);
      const mode = shotMode(fits);
      const targets: TargetSample[] = samples.map((s, k) => ({ frame: s.frame, centre: fits[k]!.centre }));
      const path =
        mode === 'track'
          ? cameraPath(targets, shot.start, shot.end, crop.window, analysis.fps, o.limits ?? DEFAULT_CAMERA_LIMITS)
          : new Float32Array(shot.end - shot.start).fill(0.5);
      centres.set(path, shot.start);
      modes.push({ ...shot, mode });
    }
    const offsets = new Float32Array(o.outputFrames);
    const blur = new Uint8Array(o.outputFrames);
    for (let n = 0; n < o.outputFrames; n++) {
      const f = sourceFrame(n, analysis, o.extend);
      offsets[n] = f < 0 ? 0.5 : toOffset(centres[f]!, crop.window);
      blur[n] = f >= 0 && modes.find((m) => f >= m.start && f < m.end)?.mode === 'blur' ? 1 : 0;
    }
    cameras.push({ aspect, ...crop, offsets, blurRanges: rangesOf(blur), shots: modes });
  }
  return cameras;
}

/** Each sample's best window, over profiles averaged with their neighbours in the shot. */
function smoothedFits(samples: AnalysisSample[], axis: 'x' | 'y', window: number): WindowFit[] {
  return samples.map((_, k) => {
    const around = samples.slice(Math.max(0, k - 1), k + 2).map((s) => s.profiles[axis]);
    const mean = new Float32Array(around[0]!.length);
    for (const profile of around) for (let i = 0; i < mean.length; i++) mean[i]! += profile[i]! / around.length;
    return bestWindow(mean, window);
  });
}

function shotMode(fits: WindowFit[]): ShotMode {
  if (fits.length === 0 || median(fits.map((f) => f.mass)) < MIN_SHOT_SALIENCY) return 'centre';
  return median(fits.map((f) => f.coverage)) < MIN_COVERAGE ? 'blur' : 'track';
}

/** The analysed frame output frame `n` shows, or −1 past an analysis that stopped short. */
function sourceFrame(n: number, analysis: SourceAnalysis, extend: 'loop' | 'freeze'): number {
  if (analysis.frames === 0) return -1;
  if (n < analysis.frames) return n;
  if (!analysis.wholeSource) return -1;
  return extend === 'loop' ? n % analysis.frames : analysis.frames - 1;
}

/** The crop's offset (a fraction of its room) that puts the window's centre at `centre`. */
export function toOffset(centre: number, window: number): number {
  return window >= 1 ? 0.5 : Math.min(1, Math.max(0, (centre - window / 2) / (1 - window)));
}

function rangesOf(flags: Uint8Array): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = -1;
  for (let n = 0; n <= flags.length; n++) {
    const on = n < flags.length && flags[n] === 1;
    if (on && start < 0) start = n;
    if (!on && start >= 0) {
      ranges.push([start, n]);
      start = -1;
    }
  }
  return ranges;
}

/** The crop filter's name for format `index`: the commands address it. */
export function cameraFilterName(index: number): string {
  return `crop@camera${index}`;
}

/** The crop offset expression for a fraction of the room. */
export function offsetExpression(axis: 'x' | 'y', offset: number): string {
  const room = axis === 'x' ? 'in_w-out_w' : 'in_h-out_h';
  return `(${room})*${offset.toFixed(4)}`;
}

/**
 * The sendcmd script that moves every camera: a command whenever a crop's offset changes,
 * half a frame before the frame it is for (frame times are exact multiples of 1/fps).
 */
export function cameraCommands(cameras: ReadonlyArray<{ camera: FormatCamera; index: number }>, fps: number): string {
  const byFrame = new Map<number, string[]>();
  for (const { camera, index } of cameras) {
    let last = '';
    camera.offsets.forEach((offset, n) => {
      const value = offset.toFixed(4);
      if (value === last) return;
      last = value;
      if (n === 0) return; // the filter starts there
      const list = byFrame.get(n) ?? [];
      list.push(`${cameraFilterName(index)} ${camera.axis} ${offsetExpression(camera.axis, offset)}`);
      byFrame.set(n, list);
    });
  }
  return [...byFrame.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([n, commands]) => `${((n - 0.5) / fps).toFixed(4)} ${commands.join(', ')};`)
    .join('\n');
}

export interface ManifestCamera {
  aspect: Aspect;
  axis: 'x' | 'y';
  shots: Array<{ start: number; end: number; mode: ShotMode }>;
  /** [seconds, offset] points; the offset is linear between them (within half a percent). */
  path: Array<[number, number]>;
}

/** The camera as the manifest records it: shots in seconds and the path as few points as keep its shape. */
export function describeCamera(camera: FormatCamera, fps: number): ManifestCamera {
  const seconds = (frame: number) => Math.round((frame / fps) * 1000) / 1000;
  const points = simplify(camera.offsets, 0.005);
  return {
    aspect: camera.aspect,
    axis: camera.axis,
    shots: camera.shots.map((s) => ({ start: seconds(s.start), end: seconds(s.end), mode: s.mode })),
    path: points.map((n) => [seconds(n), Math.round(camera.offsets[n]! * 10_000) / 10_000]),
  };
}

/** Ramer–Douglas–Peucker over (frame, value): the frames to keep. */
function simplify(values: Float32Array, tolerance: number): number[] {
  if (values.length === 0) return [];
  const keep = new Uint8Array(values.length);
  keep[0] = 1;
  keep[values.length - 1] = 1;
  const stack: Array<[number, number]> = [[0, values.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    let worst = -1;
    let worstError = tolerance;
    for (let i = a + 1; i < b; i++) {
      const line = values[a]! + ((values[b]! - values[a]!) * (i - a)) / (b - a);
      const error = Math.abs(values[i]! - line);
      if (error > worstError) {
        worst = i;
        worstError = error;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  const frames: number[] = [];
  keep.forEach((k, i) => k && frames.push(i));
  return frames;
}
