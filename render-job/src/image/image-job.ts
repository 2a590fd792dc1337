/**
 * One image job end to end: fetch each input (size-limited), inspect it from its bytes,
 * make every output of it, then publish the files and manifest.json together (or nothing).
 * A bad image fails the job with its code and exit 2, as a bad video does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from 'minio';
import sharp from 'sharp';
import { RenderError, toRenderError } from '../errors.js';
import type { EventSink } from '../events/events.js';
import { fetchInput } from '../io/fetch-input.js';
import { artifactUri, contentTypeFor, publishArtifacts, type ArtifactFile } from '../io/output-sink.js';
import type { ImageManifest } from './image-manifest.js';
import { imageFileName, type ImageSpec } from './image-spec.js';
import { decodeHevcPicture } from './heif-decode.js';
import { inspectImage, type ImageFacts } from './inspect.js';
import { analysePicture, cropsSmartly, loadFaceDetector } from './subject-focus.js';
import { transformImage } from './transform.js';

export type ImageJobOutcome = { ok: true; manifest: ImageManifest } | { ok: false; error: RenderError };

export interface ImageJobDeps {
  events: EventSink;
  scratchDir: string;
  s3?: Client | undefined;
  signal?: AbortSignal;
  now?: () => number;
  /** The face networks for smart crops (config.ts faceModelsDir); none: saliency alone. */
  faceModelsDir?: string | undefined;
}

export async function runImageJob(spec: ImageSpec, deps: ImageJobDeps): Promise<ImageJobOutcome> {
  // Each input is read once per output and never again: libvips' operation cache only holds memory.
  sharp.cache(false);
  const now = deps.now ?? Date.now;
  const started = now();
  const at = () => new Date(now()).toISOString();
  await deps.events.emit({ type: 'state', renderId: spec.id, state: 'running', at: at() });
  const scratch = await mkdtemp(join(deps.scratchDir, 'cutline-image-'));
  try {
    const manifest = await makeImages(spec, deps, scratch, started, now);
    await deps.events.emit({ type: 'state', renderId: spec.id, state: 'succeeded', manifest, at: at() });
    return { ok: true, manifest };
  } catch (err) {
    const error = deps.signal?.aborted ? new RenderError('CUTLINE_CANCELED') : toRenderError(err);
    await deps.events.emit({
      type: 'state',
      renderId: spec.id,
      state: error.code === 'CUTLINE_CANCELED' ? 'canceled' : 'failed',
      error: { code: error.code, message: error.message, retryable: error.retryable },
      at: at(),
    });
    return { ok: false, error };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function makeImages(
  spec: ImageSpec,
  deps: ImageJobDeps,
  scratch: string,
  started: number,
  now: () => number,
): Promise<ImageManifest> {
  const total = spec.inputs.length * spec.outputs.length;
  let done = 0;
  const progress = (stage: 'fetching' | 'encoding' | 'publishing', stageProgress: number) =>
    void deps.events.emit({
      type: 'progress',
      renderId: spec.id,
      stage,
      progress: stage === 'publishing' ? 0.95 : stage === 'fetching' ? 0.02 : 0.05 + 0.9 * stageProgress,
      stageProgress,
      etaSeconds: null,
      at: new Date(now()).toISOString(),
    });
  const artifacts: ArtifactFile[] = [];
  const inputs: ImageManifest['inputs'] = [];
  const images: ImageManifest['images'] = [];
  const logo = spec.overlay?.logo ? await fetchLogo(spec, deps, scratch) : undefined;
  const smart = spec.outputs.some(cropsSmartly);
  const detector = smart ? await loadFaceDetector(deps.faceModelsDir) : undefined;
  for (const [index, input] of spec.inputs.entries()) {
    if (deps.signal?.aborted) throw new RenderError('CUTLINE_CANCELED');
    progress('fetching', index / spec.inputs.length);
    const path = await fetchInput(input.source, {
      scratchDir: scratch,
      name: `input-${index}`,
      maxBytes: spec.limits.maxInputBytes,
      s3: deps.s3,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const { path: readable, facts } = await readablePicture(path, spec.limits, scratch, `input-${index}`);
    // Analysed once for every output it is cropped to.
    const focus = smart ? await analysePicture(readable, spec, detector) : undefined;
    inputs.push({ name: input.name, facts, ...(focus ? { faces: focus.faces } : {}) });
    for (const output of spec.outputs) {
      if (deps.signal?.aborted) throw new RenderError('CUTLINE_CANCELED');
      const name = imageFileName(input.name, output);
      const target = join(scratch, name);
      const made = await transformImage(readable, facts, spec, output, target, logo, focus);
      artifacts.push({ name, localPath: target, contentType: contentTypeFor(name) });
      images.push({
        input: input.name,
        output: output.name,
        name,
        uri: artifactUri(spec.output.destination, name),
        format: output.format,
        ...made,
      });
      progress('encoding', ++done / total);
    }
  }
  const manifest: ImageManifest = {
    version: 1,
    kind: 'image',
    jobId: spec.id,
    createdAt: new Date(started).toISOString(),
    inputs,
    images,
    seconds: Math.round((now() - started) / 10) / 100,
  };
  progress('publishing', 0);
  const manifestPath = join(scratch, 'manifest.json');
  await publishArtifacts(spec.output.destination, artifacts, {
    s3: deps.s3,
    tags: spec.output.tags,
    links: spec.output.links,
    last: async () => {
      await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
      return { name: 'manifest.json', localPath: manifestPath, contentType: 'application/json' };
    },
  });
  return manifest;
}

/** The picture as libvips can decode it: itself, or a HEIC decoded to PNG (size checked first). */
async function readablePicture(
  path: string,
  limits: ImageSpec['limits'],
  scratch: string,
  name: string,
): Promise<{ path: string; facts: ImageFacts }> {
  const facts = await inspectImage(path, limits);
  if (facts.container !== 'heif' || facts.compression !== 'hevc') return { path, facts };
  const decoded = await decodeHevcPicture(path, scratch, name);
  const upright = await inspectImage(decoded, limits);
  return { path: decoded, facts: { ...upright, container: 'heif', compression: 'hevc' } };
}

/** The overlay's logo, fetched and checked as a picture is (fetched once for every output). */
async function fetchLogo(spec: ImageSpec, deps: ImageJobDeps, scratch: string): Promise<string> {
  const path = await fetchInput(spec.overlay!.logo!.source, {
    scratchDir: scratch,
    name: 'logo',
    maxBytes: spec.limits.maxInputBytes,
    s3: deps.s3,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  return (await readablePicture(path, spec.limits, scratch, 'logo')).path;
}
