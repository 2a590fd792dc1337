/**
 * The render's smart-fit stage, in two steps: `analyseForReframe` runs beside the narration's
 * synthesis (it needs only the source), `applyReframe` turns its result into each format's
 * camera once the narration's length is known. Neither ever fails a render: an analysis that
 * fails or overruns leaves a warning and the centre crop.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlanFormat } from '../filtergraph.js';
import type { VideoProbe } from '../probe.js';
import type { RenderSpec } from '../../spec.js';
import { analyseSource, type AnalysisHorizon, type SourceAnalysis } from './analyse-source.js';
import type { FaceSummary } from './face-sampler.js';
import {
  cameraCommands,
  cropWindow,
  describeCamera,
  planCameras,
  type FormatCamera,
  type ManifestCamera,
} from './reframe-plan.js';

export interface Reframing {
  analysis?: SourceAnalysis;
  faces?: FaceSummary;
  warnings: string[];
  analysisSeconds: number;
}

export interface ManifestReframe {
  fit: 'smart';
  analysisSeconds: number;
  /** How much of the video the analysis saw: up to the narration's length, or all of a shorter video. */
  analysedSeconds: number;
  /** Whether faces were looked for (the detector's networks installed), and in how many frames found. */
  faces: FaceSummary;
  /** Why a format fell back to the centre crop, when it did. */
  warnings: string[];
  cameras: ManifestCamera[];
}

export const DEFAULT_ANALYSIS_TIMEOUT_MS = 120_000;

/** Whether `spec` asks for a smart fit that has room to move in any of its formats. */
export function needsReframe(spec: RenderSpec, source: VideoProbe): boolean {
  const aspect = source.width / Math.max(1, source.height);
  return spec.fit === 'smart' && spec.formats.some((f) => cropWindow(aspect, f) !== undefined);
}

export async function analyseForReframe(
  spec: RenderSpec,
  videoPath: string,
  source: VideoProbe,
  options: {
    timeoutMs?: number | undefined;
    signal?: AbortSignal | undefined;
    now?: () => number;
    faceModelsDir?: string | undefined;
    horizon?: AnalysisHorizon;
  } = {},
): Promise<Reframing | undefined> {
  if (!needsReframe(spec, source)) return undefined;
  const now = options.now ?? Date.now;
  const started = now();
  const outcome = await analyseSource(videoPath, {
    fps: spec.encoding.fps,
    sourceWidth: source.width,
    sourceHeight: source.height,
    sourceSeconds: source.duration,
    // Never more than the longest narration can show.
    maxSeconds: spec.limits.maxNarrationSeconds,
    timeoutMs: options.timeoutMs ?? DEFAULT_ANALYSIS_TIMEOUT_MS,
    faceModelsDir: options.faceModelsDir,
    ...(options.horizon ? { horizon: options.horizon } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const analysisSeconds = Math.round((now() - started) / 10) / 100;
  if (!outcome.ok) return { warnings: [`${outcome.warning} The centre crop is used instead.`], analysisSeconds };
  if (outcome.analysis.frames === 0)
    return { warnings: ['No frame of the video could be analysed; the centre crop is used.'], analysisSeconds };
  return { analysis: outcome.analysis, faces: outcome.analysis.faces, warnings: [], analysisSeconds };
}

/**
 * Gives every format that has room a camera (its start and blur ranges), writes the commands
 * that move them, and returns what the manifest records.
 */
export async function applyReframe(
  reframing: Reframing,
  o: { spec: RenderSpec; source: VideoProbe; narrationSeconds: number; formats: PlanFormat[]; scratch: string },
): Promise<{ formats: PlanFormat[]; commandsPath?: string; manifest: ManifestReframe }> {
  const { spec } = o;
  const manifest: ManifestReframe = {
    fit: 'smart',
    analysisSeconds: reframing.analysisSeconds,
    analysedSeconds: reframing.analysis
      ? Math.round((reframing.analysis.frames / reframing.analysis.fps) * 100) / 100
      : 0,
    faces: reframing.faces ?? { detector: 'none', framesChecked: 0, framesWithFaces: 0 },
    warnings: reframing.warnings,
    cameras: [],
  };
  if (!reframing.analysis) return { formats: o.formats, manifest };
  const fps = spec.encoding.fps;
  const cameras = planCameras(reframing.analysis, {
    sourceAspect: o.source.width / Math.max(1, o.source.height),
    formats: o.formats.map((f) => f.aspect),
    outputFrames: Math.ceil(o.narrationSeconds * fps),
    extend: spec.video.extend,
  });
  const byAspect = new Map<string, FormatCamera>(cameras.map((c) => [c.aspect, c]));
  const moving: Array<{ camera: FormatCamera; index: number }> = [];
  const formats = o.formats.map((format, index) => {
    const camera = byAspect.get(format.aspect);
    if (!camera) return format;
    moving.push({ camera, index });
    return {
      ...format,
      camera: { axis: camera.axis, initialOffset: camera.offsets[0] ?? 0.5, blurRanges: camera.blurRanges },
    };
  });
  manifest.cameras = cameras.map((c) => describeCamera(c, fps));
  const script = cameraCommands(moving, fps);
  if (!script) return { formats, manifest };
  const commandsPath = join(o.scratch, 'camera.cmd');
  await writeFile(commandsPath, `${script}\n`, 'utf8');
  return { formats, commandsPath, manifest };
}
