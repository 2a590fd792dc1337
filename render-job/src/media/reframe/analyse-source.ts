/**
 * The analysis pass: one ffmpeg run decodes the source to small yuv420p frames at the
 * render's frame rate (frame n here is frame n of the render) and streams them through a
 * pipe. Every frame adds its histogram distance (for cuts); a few frames a second add their
 * saliency profiles. Only reference frames are decoded (the frames in between are repeated
 * by the fps filter), which halves the decode of a typical H.264 file; an encoder starts a
 * new shot on a reference frame, so cuts are still found on their frame.
 *
 * About once a second a sample also goes to the face detector (face-sampler.ts). It reads only
 * a local file of the video containers, holds one frame and a profile per sample in memory,
 * and is bounded in time: past `timeoutMs` it stops and says so.
 */
import { spawn } from 'node:child_process';
import { localInputOptions } from '../media-formats.js';
import {
  histogram,
  histogramDistance,
  saliencyProfiles,
  type GreyFrame,
  type SaliencyProfiles,
} from './frame-features.js';
import { FaceSampler, weighFaces, type FaceSummary } from './face-sampler.js';
import { FaceDetector } from './faces.js';
import { CUT_THRESHOLD } from './shots.js';
import { yuv420pFrame } from './still-focus.js';

export interface AnalysisSample {
  frame: number;
  profiles: SaliencyProfiles;
}

export interface SourceAnalysis {
  fps: number;
  /** Frames analysed, at the render's frame rate. */
  frames: number;
  /** Whether they reach the end of the source (not cut short by `maxSeconds`). */
  wholeSource: boolean;
  width: number;
  height: number;
  /** distances[n]: histogram distance of frame n to frame n−1. */
  distances: Float32Array;
  samples: AnalysisSample[];
  faces: FaceSummary;
}

export type AnalysisOutcome = { ok: true; analysis: SourceAnalysis } | { ok: false; warning: string };

export interface AnalyseOptions {
  fps: number;
  /** The source's display size and duration (probe.ts). */
  sourceWidth: number;
  sourceHeight: number;
  sourceSeconds: number;
  /** Analyse at most this much of the source. */
  maxSeconds: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Longer side of the analysis frames. */
  size?: number;
  samplesPerSecond?: number;
  ffmpegPath?: string;
  /** The face detector's networks (faces.ts); without them, no face cue. */
  faceModelsDir?: string | undefined;
  /** Lowered while the analysis runs, once the render knows how much of the video it shows. */
  horizon?: AnalysisHorizon;
}

/**
 * How far into the video the analysis needs to go. The narration's length is known only after
 * its synthesis, which runs beside the analysis: then the render lowers the horizon, and an
 * analysis of a long video stops there instead of at the longest narration a plan allows.
 */
export class AnalysisHorizon {
  private limit = Infinity;
  limitTo(seconds: number): void {
    this.limit = Math.min(this.limit, Math.max(0, seconds));
  }
  get seconds(): number {
    return this.limit;
  }
}

export const ANALYSIS_SIZE = 256;
export const SAMPLES_PER_SECOND = 5;

/** The analysis frame size: the source's shape, longer side `size`, both sides even. */
export function analysisSize(
  sourceWidth: number,
  sourceHeight: number,
  size = ANALYSIS_SIZE,
): { width: number; height: number } {
  const longer = Math.max(sourceWidth, sourceHeight, 1);
  const even = (v: number) => Math.max(2, Math.round(v / 2) * 2);
  const scale = Math.min(1, size / longer);
  return { width: even(sourceWidth * scale), height: even(sourceHeight * scale) };
}

export function analyseSource(path: string, o: AnalyseOptions): Promise<AnalysisOutcome> {
  const { width, height } = analysisSize(o.sourceWidth, o.sourceHeight, o.size);
  const seconds = Math.min(o.sourceSeconds, o.maxSeconds);
  // yuv420p: the grey plane, then two chroma planes of a quarter each.
  const frameBytes = (width * height * 3) / 2;
  const maxFrames = Math.max(1, Math.ceil(seconds * o.fps) + 1);
  const step = Math.max(1, Math.round(o.fps / (o.samplesPerSecond ?? SAMPLES_PER_SECOND)));
  const args = [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
    ...localInputOptions(['video']),
    // Reference frames only, without the deblocking pass: at 256 px neither shows.
    ...['-skip_frame', 'noref', '-skip_loop_filter', 'all', '-i', path],
    ...['-map', '0:v:0', '-t', seconds.toFixed(3), '-an', '-sn', '-dn'],
    ...['-vf', `scale=${width}:${height}:flags=area,fps=${o.fps},format=yuv420p`],
    ...['-f', 'rawvideo', 'pipe:1'],
  ];
  const faces = new FaceSampler(FaceDetector.load(o.faceModelsDir).catch(() => undefined));
  const horizon = o.horizon;
  const withinHorizon = () => (horizon ? Math.ceil(horizon.seconds * o.fps) + 1 : Infinity);
  const collector = new FrameCollector(
    width,
    height,
    step,
    step * Math.max(1, Math.round(o.fps / step)),
    maxFrames,
    faces,
    withinHorizon,
  );

  return new Promise((resolve) => {
    const child = spawn(o.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let settled = false;
    const finish = (outcome: AnalysisOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      child.kill('SIGKILL');
      resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        finish({ ok: false, warning: `The subject analysis took longer than ${Math.round(o.timeoutMs / 1000)} s.` }),
      o.timeoutMs,
    );
    const onAbort = () => finish({ ok: false, warning: 'The subject analysis was canceled.' });
    o.signal?.addEventListener('abort', onAbort, { once: true });

    let pending: Buffer = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let offset = 0;
      while (pending.length - offset >= frameBytes && !collector.full) {
        collector.add(new Uint8Array(pending.buffer, pending.byteOffset + offset, frameBytes));
        offset += frameBytes;
      }
      pending = collector.full ? Buffer.alloc(0) : pending.subarray(offset);
      // Past the horizon ffmpeg is stopped: what it would decode next is never shown.
      if (collector.full) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 16 * 1024) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) => finish({ ok: false, warning: `The subject analysis could not start: ${err.message}` }));
    child.on('close', (code) => {
      if (code !== 0 && !collector.full) {
        const reason = stderr.trim().split('\n').slice(-1)[0] || `ffmpeg exited with ${code}`;
        finish({ ok: false, warning: `The subject analysis failed: ${reason}` });
        return;
      }
      void faces.done().then((summary) => {
        // Stopped at the horizon, the analysis saw only the start of a longer video.
        const whole = seconds >= o.sourceSeconds && withinHorizon() >= Math.ceil(o.sourceSeconds * o.fps);
        const analysis = collector.result(o.fps, whole, summary);
        weighFaces(analysis.samples, faces.found, o.fps, width, height);
        finish({ ok: true, analysis });
      });
    });
  });
}

/** Takes frames one at a time; keeps the last one and each sample's profiles. */
class FrameCollector {
  private frames = 0;
  private previousHistogram?: Float32Array;
  private previousSample?: GreyFrame;
  private changeSinceSample = 0;
  private readonly distances: Float32Array;
  private readonly samples: AnalysisSample[] = [];

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly step: number,
    private readonly faceStep: number,
    private readonly maxFrames: number,
    private readonly faces: FaceSampler,
    private readonly horizon: () => number = () => Infinity,
  ) {
    this.distances = new Float32Array(maxFrames);
  }

  get full(): boolean {
    return this.frames >= Math.min(this.maxFrames, this.horizon());
  }

  add(planes: Uint8Array): void {
    const frame = yuv420pFrame(planes, this.width, this.height);
    const { data } = frame;
    const bins = histogram(frame);
    const distance = this.previousHistogram ? histogramDistance(bins, this.previousHistogram) : 0;
    this.distances[this.frames] = distance;
    this.previousHistogram = bins;
    this.changeSinceSample = Math.max(this.changeSinceSample, distance);
    if (this.frames % this.step === 0) {
      // Across a cut, the difference to the last sample is the cut itself, not motion.
      const previous = this.changeSinceSample < CUT_THRESHOLD ? this.previousSample : undefined;
      this.samples.push({ frame: this.frames, profiles: saliencyProfiles(frame, previous) });
      if (this.frames % this.faceStep === 0) this.faces.offer(this.frames, frame);
      // Motion needs only the grey plane of the previous sample.
      this.previousSample = { width: this.width, height: this.height, data: Uint8Array.from(data) };
      this.changeSinceSample = 0;
    }
    this.frames++;
  }

  result(fps: number, wholeSource: boolean, faces: FaceSummary): SourceAnalysis {
    return {
      fps,
      faces,
      frames: this.frames,
      wholeSource,
      width: this.width,
      height: this.height,
      distances: this.distances.slice(0, this.frames),
      samples: this.samples,
    };
  }
}
