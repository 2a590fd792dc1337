/**
 * One render, end to end: fetch inputs → probe → segment and synthesise narration → write
 * captions and sidecars → one ffmpeg run → publish outputs and manifest. Everything is built
 * in a private scratch directory that is always removed; outputs appear at the destination
 * only when the whole render succeeded.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Client } from 'minio';
import { buildAss } from './captions/ass.js';
import { buildSrt, buildVtt, buildWordTimings } from './captions/sidecars.js';
import { RenderError, toRenderError } from './errors.js';
import type { EventSink } from './events/events.js';
import { ProgressTracker } from './events/progress-tracker.js';
import { fetchInput } from './io/fetch-input.js';
import { artifactUri, contentTypeFor, publishArtifacts, type ArtifactFile } from './io/output-sink.js';
import type { ManifestFile, RenderManifest } from './manifest.js';
import { runPlan } from './media/ffmpeg.js';
import { buildFfmpegPlan, type PlanFormat } from './media/filtergraph.js';
import { probeAuxiliary, probeVideo } from './media/probe.js';
import { aspectLabel, outputSize, type RenderSpec } from './spec.js';
import { normaliseScript } from './text/script.js';
import { segmentScript } from './text/segment.js';
import type { VoiceCatalogue } from './tts/catalogue.js';
import { narrate } from './tts/narration.js';
import { normaliseLoudness } from './tts/loudness.js';
import { encodeWav } from './tts/pcm.js';

export interface RenderDeps {
  catalogue: VoiceCatalogue;
  events: EventSink;
  scratchDir: string;
  s3?: Client | undefined;
  fontsDir?: string | undefined;
  ttsConcurrency?: number;
  signal?: AbortSignal;
  now?: () => number;
}

export type RenderOutcome = { ok: true; manifest: RenderManifest } | { ok: false; error: RenderError };

export async function runRender(spec: RenderSpec, deps: RenderDeps): Promise<RenderOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  const tracker = new ProgressTracker(spec.id, deps.events);
  await deps.events.emit({ type: 'state', renderId: spec.id, state: 'running', at: new Date(started).toISOString() });
  const scratch = await mkdtemp(join(deps.scratchDir, 'cutline-render-'));
  try {
    const manifest = await renderInScratch(spec, deps, scratch, tracker, started, now);
    await deps.events.emit({
      type: 'state',
      renderId: spec.id,
      state: 'succeeded',
      manifest,
      at: new Date(now()).toISOString(),
    });
    return { ok: true, manifest };
  } catch (err) {
    const error = deps.signal?.aborted ? new RenderError('CUTLINE_CANCELED') : toRenderError(err);
    await Promise.resolve(
      deps.events.emit({
        type: 'state',
        renderId: spec.id,
        state: error.code === 'CUTLINE_CANCELED' ? 'canceled' : 'failed',
        error: { code: error.code, message: error.message, retryable: error.retryable },
        at: new Date(now()).toISOString(),
      }),
    ).catch(() => undefined);
    return { ok: false, error };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function renderInScratch(
  spec: RenderSpec,
  deps: RenderDeps,
  scratch: string,
  tracker: ProgressTracker,
  started: number,
  now: () => number,
): Promise<RenderManifest> {
  const seconds = (from: number) => (now() - from) / 1000;
  const signal = deps.signal;
  const checkCanceled = () => {
    if (signal?.aborted) throw new RenderError('CUTLINE_CANCELED');
  };

  // Cheap checks first: a bad script or voice fails before any download.
  const script = normaliseScript(spec.script.text, spec.limits.maxScriptChars);
  const { voice, engine, detected } = await deps.catalogue.resolveFor(spec.voice.id, script);

  tracker.report('fetching', 0);
  const fetchStarted = now();
  const fetchOptions = (name: string) => ({
    scratchDir: scratch,
    name,
    maxBytes: spec.limits.maxInputBytes,
    s3: deps.s3,
    ...(signal ? { signal } : {}),
  });
  const videoPath = await fetchInput(spec.video.source, fetchOptions('source-video'));
  const logoPath = spec.logo ? await fetchInput(spec.logo.source, fetchOptions('logo')) : undefined;
  const musicPath = spec.audio.music ? await fetchInput(spec.audio.music.source, fetchOptions('music')) : undefined;
  const fetchSeconds = seconds(fetchStarted);
  checkCanceled();

  tracker.report('probing', 0);
  const source = await probeVideo(videoPath, {
    maxBytes: spec.limits.maxInputBytes,
    maxSeconds: spec.limits.maxInputSeconds,
  });
  if (logoPath) await probeAuxiliary(logoPath, 'image');
  if (musicPath) await probeAuxiliary(musicPath, 'audio');
  checkCanceled();

  tracker.report('synthesizing', 0);
  const synthesisStarted = now();
  const segments = segmentScript(script, {
    locale: voice.language,
    maxWordsPerLine: spec.captions.maxWordsPerLine,
    maxLines: spec.captions.maxLines,
  });
  const narration = await narrate(segments, {
    engine,
    voice,
    rate: spec.voice.rate,
    pitch: spec.voice.pitch,
    concurrency: deps.ttsConcurrency ?? 4,
    ...(signal ? { signal } : {}),
    onProgress: (done, total) => tracker.report('synthesizing', done / total),
  });
  if (narration.duration > spec.limits.maxNarrationSeconds) {
    throw new RenderError(
      'CUTLINE_NARRATION_TOO_LONG',
      `The narration is ${narration.duration.toFixed(1)} s; the limit is ${spec.limits.maxNarrationSeconds} s.`,
      { seconds: narration.duration, limit: spec.limits.maxNarrationSeconds },
    );
  }
  // The voice is brought to the loudness target here, once, so every output is on target.
  const normalised = normaliseLoudness(narration.pcm, spec.audio.loudnessLufs);
  const narrationPath = join(scratch, 'narration.wav');
  await writeFile(narrationPath, encodeWav(normalised.pcm));

  const stage = join(scratch, 'out');
  await mkdir(stage);
  const formats: PlanFormat[] = [];
  for (const aspect of spec.formats) {
    const { width, height } = outputSize(aspect, spec.maxResolution);
    const label = aspectLabel(aspect);
    const format: PlanFormat = { aspect, outputPath: join(stage, `video-${label}.mp4`) };
    if (spec.captions.enabled || spec.watermark) {
      format.assPath = join(scratch, `captions-${label}.ass`);
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
  const synthesisSeconds = seconds(synthesisStarted);
  tracker.report('synthesizing', 1);
  checkCanceled();

  tracker.report('encoding', 0);
  const encodeStarted = now();
  const thumbnailPath = spec.output.thumbnail ? join(stage, 'thumbnail.jpg') : undefined;
  const plan = buildFfmpegPlan({
    videoPath,
    videoDuration: source.duration,
    videoHasAudio: source.hasAudio,
    narrationPath,
    narrationDuration: narration.duration,
    formats,
    maxResolution: spec.maxResolution,
    fit: spec.fit,
    extend: spec.video.extend,
    fps: spec.encoding.fps,
    ...(deps.fontsDir ? { fontsDir: deps.fontsDir } : {}),
    ...(spec.logo && logoPath
      ? { logo: { path: logoPath, position: spec.logo.position, opacity: spec.logo.opacity, scale: spec.logo.scale } }
      : {}),
    audio: {
      original: spec.audio.original,
      originalGainDb: spec.audio.originalGainDb,
      ...(spec.audio.music && musicPath ? { music: { path: musicPath, gainDb: spec.audio.music.gainDb } } : {}),
    },
    encoding: spec.encoding,
    ...(thumbnailPath ? { thumbnailPath } : {}),
  });
  await runPlan(plan, { ...(signal ? { signal } : {}), onProgress: (f) => tracker.report('encoding', f) });
  const encodeSeconds = seconds(encodeStarted);
  checkCanceled();

  tracker.report('publishing', 0);
  const publishStarted = now();
  const artifacts: ArtifactFile[] = plan.outputs.map((o) => {
    const name = basename(o.path);
    return { name, localPath: o.path, contentType: contentTypeFor(name) };
  });
  if (spec.output.sidecars) {
    const sidecars: Array<[string, string]> = [
      ['captions.srt', buildSrt(narration.segments, narration.duration)],
      ['captions.vtt', buildVtt(narration.segments, narration.duration)],
      ['words.json', `${JSON.stringify(buildWordTimings(narration.segments, narration.duration), null, 2)}\n`],
    ];
    for (const [name, body] of sidecars) {
      const localPath = join(stage, name);
      await writeFile(localPath, body, 'utf8');
      artifacts.push({ name, localPath, contentType: contentTypeFor(name) });
    }
  }
  // The manifest names every file by its final URI; it is published last, after the rest, so
  // a reader that finds manifest.json finds every file it lists.
  const files = new Map<string, ManifestFile>();
  for (const artifact of artifacts) {
    files.set(artifact.name, {
      name: artifact.name,
      uri: artifactUri(spec.output.destination, artifact.name),
      bytes: (await stat(artifact.localPath)).size,
    });
  }
  const narrationSeconds = Math.round(narration.duration * 1000) / 1000;
  const manifest: RenderManifest = {
    version: 1,
    renderId: spec.id,
    createdAt: new Date(now()).toISOString(),
    durationSeconds: narrationSeconds,
    voice: { id: voice.id, engine: voice.engine, language: voice.language, ...(detected ? { detected } : {}) },
    captionStyle: spec.captions.enabled ? spec.captions.style : 'none',
    segments: narration.segments.length,
    videos: plan.outputs
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
    timings: {
      fetchSeconds: round2(fetchSeconds),
      synthesisSeconds: round2(synthesisSeconds),
      encodeSeconds: round2(encodeSeconds),
      publishSeconds: 0,
      totalSeconds: round2(seconds(started)),
    },
    realtimeFactor: round2(narration.duration / Math.max(0.001, seconds(started))),
  };
  const thumbnail = files.get('thumbnail.jpg');
  if (thumbnail) manifest.thumbnail = thumbnail;
  const srt = files.get('captions.srt');
  const vtt = files.get('captions.vtt');
  const words = files.get('words.json');
  if (srt) manifest.sidecars.srt = srt;
  if (vtt) manifest.sidecars.vtt = vtt;
  if (words) manifest.sidecars.words = words;
  const manifestPath = join(stage, 'manifest.json');
  await publishArtifacts(spec.output.destination, artifacts, {
    s3: deps.s3,
    tags: spec.output.tags,
    links: spec.output.links,
    // Written once the rest is out, so it records how long publishing took.
    last: async () => {
      manifest.timings.publishSeconds = round2(seconds(publishStarted));
      manifest.timings.totalSeconds = round2(seconds(started));
      manifest.realtimeFactor = round2(narration.duration / Math.max(0.001, seconds(started)));
      await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
      return { name: 'manifest.json', localPath: manifestPath, contentType: 'application/json' };
    },
  });
  tracker.report('publishing', 1);
  return manifest;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
