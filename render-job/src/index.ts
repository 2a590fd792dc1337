/** Public surface of the render-job package, used by the control plane. */
export * from './spec.js';
export * from './errors.js';
export type { RenderManifest, ManifestVideo, ManifestFile } from './manifest.js';
export type { RenderEvent, ProgressEvent, StateEvent, RenderStage } from './events/events.js';
export {
  ALL_RENDER_EVENTS,
  ALL_RENDER_PROGRESS,
  progressSubject,
  renderEventsPattern,
  stateSubject,
  RENDER_STAGES,
} from './events/events.js';
export type { Voice, EngineId } from './tts/engine.js';
export { AUTO_VOICE, VoiceCatalogue } from './tts/catalogue.js';
export { faceModelsDir, voicesDir } from './config.js';
export { detectLanguage, writingSystemsOf, type DetectedLanguage } from './text/language.js';
export { CAPTION_TEMPLATES, listCaptionStyles, type CaptionTemplate } from './captions/styles.js';
export { runRender, type RenderDeps, type RenderOutcome } from './render.js';
export { probeVideo, probeAuxiliary, type VideoProbe } from './media/probe.js';
export { localInputOptions, type MediaKind } from './media/media-formats.js';
export { normaliseScript } from './text/script.js';
export { captionPreviewAss, PREVIEW_SIZES } from './captions/preview.js';
export { fitGraph, type PlanCamera } from './media/filtergraph.js';
export { analysisSize } from './media/reframe/analyse-source.js';
export { stillFocus, yuv420pFrame } from './media/reframe/still-focus.js';
export { FaceDetector, rgbFromYuv420p } from './media/reframe/faces.js';
export { encodeWav } from './tts/pcm.js';
export { runProgram } from './run-process.js';
export { artifactNames, contentTypeFor } from './io/output-sink.js';
export { parseLocation } from './io/location.js';
export {
  EnvBoolean,
  EnvDuration,
  EnvEnum,
  EnvError,
  EnvInteger,
  EnvString,
  EnvUrl,
  formatDuration,
  readEnv,
} from './env/env-schema.js';
export { IMAGE_FORMATS, IMAGE_PRESETS, findPreset, type ImageFormat, type ImagePreset } from './image/presets.js';
export {
  ImageCropBox,
  ImageSpec,
  ImageTextOverlay,
  LOGO_PLACEMENT,
  imageArtifactNames,
  imageFileName,
  parseImageSpec,
  type ImageOutputSpec,
} from './image/image-spec.js';
export { runImageJob, type ImageJobOutcome } from './image/image-job.js';
export { isImageManifest, type ImageManifest } from './image/image-manifest.js';
export { inspectImage, sniffContainer, type ImageFacts } from './image/inspect.js';
