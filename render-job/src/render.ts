/**
 * One render, end to end: fetch inputs → probe → segment and synthesise narration → write
 * captions and sidecars → one ffmpeg run → publish outputs and manifest. Everything is built
 * in a private scratch directory that is always removed; outputs appear at the destination
 * only when the whole render succeeded.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from 'minio';
import { RenderError, toRenderError } from './errors.js';
import type { EventSink } from './events/events.js';
import { ProgressTracker } from './events/progress-tracker.js';
import { publishArtifacts } from './io/output-sink.js';
import type { RenderManifest } from './manifest.js';
import type { PlanFormat } from './media/filtergraph.js';
import { runPlan } from './media/ffmpeg.js';
import { AnalysisHorizon } from './media/reframe/analyse-source.js';
import { analyseForReframe, applyReframe } from './media/reframe/reframe-stage.js';
import {
  checkCanceled,
  collectArtifacts,
  describeRender,
  encodingPlan,
  fetchInputs,
  probeInputs,
  round2,
  trimSource,
  synthesizeNarration,
  writeCaptionTracks,
  type Inputs,
  type RenderContext,
} from './render-stages.js';
import type { RenderSpec } from './spec.js';
import { normaliseScript } from './text/script.js';
import type { VoiceCatalogue } from './tts/catalogue.js';
import type { TtsEngine, Voice } from './tts/engine.js';
import type { VideoProbe } from './media/probe.js';

export interface RenderDeps {
  catalogue: VoiceCatalogue;
  events: EventSink;
  scratchDir: string;
  s3?: Client | undefined;
  fontsDir?: string | undefined;
  ttsConcurrency?: number;
  signal?: AbortSignal;
  now?: () => number;
  /** Bound on the smart fit's analysis pass; past it the render uses the centre crop. */
  reframeTimeoutMs?: number;
  /** The face detector's networks for the smart fit (config.ts faceModelsDir); none: no face cue. */
  faceModelsDir?: string | undefined;
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
  const seconds = (from: number) => round2((now() - from) / 1000);
  const ctx: RenderContext = {
    spec,
    scratch,
    stage: join(scratch, 'out'),
    tracker,
    s3: deps.s3,
    fontsDir: deps.fontsDir,
    ttsConcurrency: deps.ttsConcurrency ?? 4,
    signal: deps.signal,
  };
  // Cheap checks first: a bad script or voice fails before any download.
  const script = normaliseScript(spec.script.text, spec.limits.maxScriptChars);
  const { voice, engine, detected } = await deps.catalogue.resolveFor(spec.voice.id, script);
  // A neural voice's model loads while the inputs are fetched and probed.
  const warming = engine.prepare?.(voice).catch(() => undefined);

  const fetchStarted = now();
  const fetched = await fetchInputs(ctx);
  const fetchSeconds = seconds(fetchStarted);
  checkCanceled(ctx);
  const { inputs, source } = await trimSource(ctx, fetched, await probeInputs(ctx, fetched));
  checkCanceled(ctx);

  const narrated = { script, voice, engine, warming, source, inputs, now };
  const { narration, formats, reframe, synthesisSeconds } = await narrateBesideAnalysis(ctx, deps, narrated);
  checkCanceled(ctx);

  tracker.report('encoding', 0);
  const encodeStarted = now();
  const plan = encodingPlan(ctx, inputs, source, narration, formats, reframe?.commandsPath);
  try {
    await runPlan(plan, {
      ...(deps.signal ? { signal: deps.signal } : {}),
      stdin: narration.stream,
      onProgress: (f) => tracker.report('encoding', f),
    });
  } finally {
    // A narration still being made when ffmpeg stopped (it failed or was canceled) stops too.
    narration.stream?.destroy();
  }
  const encodeSeconds = seconds(encodeStarted);
  checkCanceled(ctx);

  tracker.report('publishing', 0);
  const publishStarted = now();
  const artifacts = await collectArtifacts(ctx, plan, narration.narration);
  const manifest = await describeRender(ctx, {
    createdAt: new Date(now()).toISOString(),
    voice,
    detected,
    source,
    narration: narration.narration,
    plan,
    artifacts,
    ...(reframe ? { reframe: reframe.manifest } : {}),
    timings: { fetchSeconds, synthesisSeconds, encodeSeconds, totalSeconds: seconds(started) },
  });
  const manifestPath = join(ctx.stage, 'manifest.json');
  await publishArtifacts(spec.output.destination, artifacts, {
    s3: deps.s3,
    tags: spec.output.tags,
    links: spec.output.links,
    // Written once the rest is out, so it records how long publishing took.
    last: async () => {
      manifest.timings.publishSeconds = seconds(publishStarted);
      manifest.timings.totalSeconds = seconds(started);
      manifest.realtimeFactor = round2(narration.narration.duration / Math.max(0.001, manifest.timings.totalSeconds));
      await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
      return { name: 'manifest.json', localPath: manifestPath, contentType: 'application/json' };
    },
  });
  tracker.report('publishing', 1);
  return manifest;
}

/**
 * The narration and its caption tracks, while the smart fit's analysis (which needs only the
 * source) runs beside them; then each format's camera. The analysis is told where the narration
 * ends as soon as that is known, and is stopped with the render.
 */
async function narrateBesideAnalysis(
  ctx: RenderContext,
  deps: RenderDeps,
  o: {
    script: string;
    voice: Voice;
    engine: TtsEngine;
    /** The voice's model loading (TtsEngine.prepare), begun before the inputs were fetched. */
    warming: Promise<unknown> | undefined;
    source: VideoProbe;
    inputs: Inputs;
    now: () => number;
  },
): Promise<{
  narration: Awaited<ReturnType<typeof synthesizeNarration>>;
  formats: PlanFormat[];
  reframe: Awaited<ReturnType<typeof applyReframe>> | undefined;
  synthesisSeconds: number;
}> {
  const stopAnalysis = new AbortController();
  const stop = () => stopAnalysis.abort();
  deps.signal?.addEventListener('abort', stop, { once: true });
  try {
    const horizon = new AnalysisHorizon();
    const reframing = analyseForReframe(ctx.spec, o.inputs.videoPath, o.source, {
      horizon,
      timeoutMs: deps.reframeTimeoutMs,
      faceModelsDir: deps.faceModelsDir,
      signal: stopAnalysis.signal,
      now: o.now,
    });
    const synthesisStarted = o.now();
    let narration: Awaited<ReturnType<typeof synthesizeNarration>>;
    let formats: PlanFormat[];
    try {
      await o.warming;
      narration = await synthesizeNarration(ctx, o.script, o.voice, o.engine);
      horizon.limitTo(narration.narration.duration);
      formats = await writeCaptionTracks(ctx, narration.narration);
    } catch (err) {
      stop();
      throw err;
    }
    const synthesisSeconds = round2((o.now() - synthesisStarted) / 1000);
    ctx.tracker.report('synthesizing', 1);
    const analysed = await reframing;
    const reframe =
      analysed &&
      (await applyReframe(analysed, {
        spec: ctx.spec,
        source: o.source,
        narrationSeconds: narration.narration.duration,
        formats,
        scratch: ctx.scratch,
      }));
    return { narration, formats: reframe?.formats ?? formats, reframe, synthesisSeconds };
  } finally {
    deps.signal?.removeEventListener('abort', stop);
  }
}
