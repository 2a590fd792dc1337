/**
 * The stages of one render (render.ts runs them in order): fetch, probe, synthesise, write
 * caption tracks, plan the encode, gather what to publish, describe it in the manifest. Each
 * works in the render's scratch directory and knows nothing of the others' internals.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { basename, join } from 'node:path';
import type { Client } from 'minio';
import { buildAss } from './captions/ass.js';
import { buildSrt, buildVtt, buildWordTimings } from './captions/sidecars.js';
import { RenderError } from './errors.js';
import type { ProgressTracker } from './events/progress-tracker.js';
import { fetchInput } from './io/fetch-input.js';
import { artifactUri, contentTypeFor, type ArtifactFile } from './io/output-sink.js';
import type { ManifestFile, RenderManifest } from './manifest.js';
import { STDIN_INPUT } from './media/ffmpeg.js';
import { buildFfmpegPlan, type FfmpegPlan, type PlanFormat } from './media/filtergraph.js';
import type { ManifestReframe } from './media/reframe/reframe-stage.js';
import { probeAuxiliary, probeVideo, type VideoProbe } from './media/probe.js';
import { checkedTrim, cutSegment } from './media/trim.js';
import { aspectLabel, outputSize, type RenderSpec } from './spec.js';
import type { DetectedLanguage } from './text/language.js';
import { segmentScript } from './text/segment.js';
import type { TtsEngine, Voice } from './tts/engine.js';
import { normaliseLoudness } from './tts/loudness.js';
import { narrate, planNarration, plannedWav, type NarrationTimeline } from './tts/narration.js';
import { encodeWav } from './tts/pcm.js';

/** What every stage of one render shares. */
export interface RenderContext {
  spec: RenderSpec;
  scratch: string;
  /** Where the files to publish are written (inside `scratch`). */
  stage: string;
  tracker: ProgressTracker;
  s3?: Client | undefined;
  fontsDir?: string | undefined;
  ttsConcurrency: number;
  signal?: AbortSignal | undefined;
}

export interface Inputs {
  videoPath: string;
  logoPath?: string | undefined;
  musicPath?: string | undefined;
}

export function checkCanceled(ctx: RenderContext): void {
  if (ctx.signal?.aborted) throw new RenderError('CUTLINE_CANCELED');
}

export async function fetchInputs(ctx: RenderContext): Promise<Inputs> {
  const { spec } = ctx;
  ctx.tracker.report('fetching', 0);
  const options = (name: string) => ({
    scratchDir: ctx.scratch,
    name,
    maxBytes: spec.limits.maxInputBytes,
    s3: ctx.s3,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return {
    videoPath: await fetchInput(spec.video.source, options('source-video')),
    logoPath: spec.logo ? await fetchInput(spec.logo.source, options('logo')) : undefined,
    musicPath: spec.audio.music ? await fetchInput(spec.audio.music.source, options('music')) : undefined,
  };
}

/** The source video's streams and length, within the limits; the logo and music must decode too. */
export async function probeInputs(ctx: RenderContext, inputs: Inputs): Promise<VideoProbe> {
  ctx.tracker.report('probing', 0);
  const source = await probeVideo(inputs.videoPath, {
    maxBytes: ctx.spec.limits.maxInputBytes,
    maxSeconds: ctx.spec.limits.maxInputSeconds,
  });
  if (inputs.logoPath) await probeAuxiliary(inputs.logoPath, 'image');
  if (inputs.musicPath) await probeAuxiliary(inputs.musicPath, 'audio');
  return source;
}

/**
 * With in and out points, the segment between them becomes the source every later stage reads
 * (media/trim.ts); without, the inputs stay as they are.
 */
export async function trimSource(
  ctx: RenderContext,
  inputs: Inputs,
  source: VideoProbe,
): Promise<{ inputs: Inputs; source: VideoProbe }> {
  const trim = ctx.spec.video.trim;
  if (!trim) return { inputs, source };
  const range = checkedTrim(trim, source);
  ctx.tracker.report('probing', 0.5);
  const videoPath = await cutSegment(inputs.videoPath, ctx.scratch, range, source.hasAudio, ctx.signal);
  const cut = await probeVideo(videoPath, {
    maxBytes: Number.MAX_SAFE_INTEGER,
    maxSeconds: ctx.spec.limits.maxInputSeconds,
  });
  return { inputs: { ...inputs, videoPath }, source: cut };
}

/** The narration as ffmpeg reads it: a WAV in scratch, or one made while it encodes (pipe:0). */
export interface SynthesizedNarration {
  narration: NarrationTimeline;
  narrationPath: string;
  /** The WAV, header first, for ffmpeg's stdin: each clip is synthesised as ffmpeg asks for it. */
  stream?: Readable;
}

/**
 * A voice that can plan ahead gives the timeline now and its audio during the encode; any
 * other is synthesised whole, brought to the loudness target and written out first.
 */
export async function synthesizeNarration(
  ctx: RenderContext,
  script: string,
  voice: Voice,
  engine: TtsEngine,
): Promise<SynthesizedNarration> {
  const { spec } = ctx;
  ctx.tracker.report('synthesizing', 0);
  const segments = segmentScript(script, {
    locale: voice.language,
    maxWordsPerLine: spec.captions.maxWordsPerLine,
    maxLines: spec.captions.maxLines,
  });
  const options = {
    engine,
    voice,
    rate: spec.voice.rate,
    pitch: spec.voice.pitch,
    concurrency: ctx.ttsConcurrency,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onProgress: (done: number, total: number) => ctx.tracker.report('synthesizing', done / total),
  };
  const planned = await planNarration(segments, options);
  if (planned) {
    checkNarrationLength(ctx, planned.duration);
    return {
      narration: planned,
      narrationPath: STDIN_INPUT,
      stream: Readable.from(plannedWav(planned, spec.audio.loudnessLufs, ctx.signal)),
    };
  }
  const narration = await narrate(segments, options);
  checkNarrationLength(ctx, narration.duration);
  // The voice is brought to the loudness target here, once, so every output is on target.
  const normalised = normaliseLoudness(narration.pcm, spec.audio.loudnessLufs);
  const narrationPath = join(ctx.scratch, 'narration.wav');
  await writeFile(narrationPath, encodeWav(normalised.pcm));
  return { narration, narrationPath };
}

function checkNarrationLength(ctx: RenderContext, seconds: number): void {
  const limit = ctx.spec.limits.maxNarrationSeconds;
  if (seconds > limit)
    throw new RenderError(
      'CUTLINE_NARRATION_TOO_LONG',
      `The narration is ${seconds.toFixed(1)} s; the limit is ${limit} s.`,
      {
        seconds,
        limit,
      },
    );
}

/** One output per format, each with its own ASS track (captions, watermark) sized to it. */
export async function writeCaptionTracks(ctx: RenderContext, narration: NarrationTimeline): Promise<PlanFormat[]> {
  const { spec } = ctx;
  await mkdir(ctx.stage, { recursive: true });
  const formats: PlanFormat[] = [];
  for (const aspect of spec.formats) {
    const { width, height } = outputSize(aspect, spec.maxResolution);
    const label = aspectLabel(aspect);
    const format: PlanFormat = { aspect, outputPath: join(ctx.stage, `video-${label}.mp4`) };
    if (spec.captions.enabled || spec.watermark) {
      format.assPath = join(ctx.scratch, `captions-${label}.ass`);
      const ass = buildAss(narration.segments, {
        style: spec.captions.style,
        width,
        height,
        aspect,
        position: spec.captions.position,
        scale: spec.captions.scale,
        duration: narration.duration,
        enabled: spec.captions.enabled,
        ...(spec.watermark ? { watermark: spec.watermark.text } : {}),
      });
      await writeFile(format.assPath, ass, 'utf8');
    }
    formats.push(format);
  }
  return formats;
}

/** The one ffmpeg run that makes every format (and the thumbnail). */
export function encodingPlan(
  ctx: RenderContext,
  inputs: Inputs,
  source: VideoProbe,
  narration: SynthesizedNarration,
  formats: PlanFormat[],
  cameraCommandsPath?: string,
): FfmpegPlan {
  const { spec } = ctx;
  const thumbnailPath = spec.output.thumbnail ? join(ctx.stage, 'thumbnail.jpg') : undefined;
  return buildFfmpegPlan({
    videoPath: inputs.videoPath,
    videoDuration: source.duration,
    videoHasAudio: source.hasAudio,
    narrationPath: narration.narrationPath,
    narrationDuration: narration.narration.duration,
    formats,
    maxResolution: spec.maxResolution,
    fit: spec.fit,
    ...(cameraCommandsPath ? { cameraCommandsPath } : {}),
    extend: spec.video.extend,
    fps: spec.encoding.fps,
    ...(ctx.fontsDir ? { fontsDir: ctx.fontsDir } : {}),
    ...(spec.logo && inputs.logoPath
      ? {
          logo: {
            path: inputs.logoPath,
            position: spec.logo.position,
            opacity: spec.logo.opacity,
            scale: spec.logo.scale,
          },
        }
      : {}),
    audio: {
      original: spec.audio.original,
      originalGainDb: spec.audio.originalGainDb,
      ...(spec.audio.music && inputs.musicPath
        ? { music: { path: inputs.musicPath, gainDb: spec.audio.music.gainDb } }
        : {}),
    },
    encoding: spec.encoding,
    ...(thumbnailPath ? { thumbnailPath } : {}),
  });
}

/** The encoded files, and the caption sidecars when asked for. */
export async function collectArtifacts(
  ctx: RenderContext,
  plan: FfmpegPlan,
  narration: NarrationTimeline,
): Promise<ArtifactFile[]> {
  const artifacts: ArtifactFile[] = plan.outputs.map((o) => {
    const name = basename(o.path);
    return { name, localPath: o.path, contentType: contentTypeFor(name) };
  });
  if (!ctx.spec.output.sidecars) return artifacts;
  const sidecars: Array<[string, string]> = [
    ['captions.srt', buildSrt(narration.segments, narration.duration)],
    ['captions.vtt', buildVtt(narration.segments, narration.duration)],
    ['words.json', `${JSON.stringify(buildWordTimings(narration.segments, narration.duration), null, 2)}\n`],
  ];
  for (const [name, body] of sidecars) {
    const localPath = join(ctx.stage, name);
    await writeFile(localPath, body, 'utf8');
    artifacts.push({ name, localPath, contentType: contentTypeFor(name) });
  }
  return artifacts;
}

export interface StageSeconds {
  fetchSeconds: number;
  synthesisSeconds: number;
  encodeSeconds: number;
  totalSeconds: number;
}

/**
 * The manifest names every file by its final URI; it is published last, so a reader that finds
 * manifest.json finds every file it lists. publishSeconds is filled in once publishing is done.
 */
export async function describeRender(
  ctx: RenderContext,
  parts: {
    createdAt: string;
    voice: Voice;
    detected?: DetectedLanguage | undefined;
    source: VideoProbe;
    narration: NarrationTimeline;
    plan: FfmpegPlan;
    artifacts: ArtifactFile[];
    reframe?: ManifestReframe | undefined;
    timings: StageSeconds;
  },
): Promise<RenderManifest> {
  const { spec } = ctx;
  const files = new Map<string, ManifestFile>();
  for (const artifact of parts.artifacts) {
    files.set(artifact.name, {
      name: artifact.name,
      uri: artifactUri(spec.output.destination, artifact.name),
      bytes: (await stat(artifact.localPath)).size,
    });
  }
  const narrationSeconds = Math.round(parts.narration.duration * 1000) / 1000;
  const { voice, detected, source } = parts;
  const manifest: RenderManifest = {
    version: 1,
    renderId: spec.id,
    createdAt: parts.createdAt,
    durationSeconds: narrationSeconds,
    voice: { id: voice.id, engine: voice.engine, language: voice.language, ...(detected ? { detected } : {}) },
    captionStyle: spec.captions.enabled ? spec.captions.style : 'none',
    segments: parts.narration.segments.length,
    videos: parts.plan.outputs
      .filter((o) => o.kind === 'video')
      .map((o) => {
        const file = files.get(basename(o.path))!;
        return { aspect: o.aspect!, ...file, width: o.width, height: o.height, durationSeconds: narrationSeconds };
      }),
    sidecars: {},
    source: {
      width: source.width,
      height: source.height,
      durationSeconds: source.duration,
      codec: source.codec,
      rotation: source.rotation,
    },
    timings: { ...parts.timings, publishSeconds: 0 },
    realtimeFactor: round2(parts.narration.duration / Math.max(0.001, parts.timings.totalSeconds)),
  };
  if (parts.reframe) manifest.reframe = parts.reframe;
  const thumbnail = files.get('thumbnail.jpg');
  if (thumbnail) manifest.thumbnail = thumbnail;
  const [srt, vtt, words] = [files.get('captions.srt'), files.get('captions.vtt'), files.get('words.json')];
  if (srt) manifest.sidecars.srt = srt;
  if (vtt) manifest.sidecars.vtt = vtt;
  if (words) manifest.sidecars.words = words;
  return manifest;
}

export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
