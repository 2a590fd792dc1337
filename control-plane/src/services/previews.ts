/**
 * Previews for the new-video form: a voice reading its sample sentence, and a frame of the
 * user's video with a caption style burned in by the same libass the render uses.
 *
 * Every ffmpeg run reads a local file or a pipe (never a link to an object: a hostile upload
 * could make ffmpeg follow the URLs inside it), and runs inside a WorkLimiter, so a burst of
 * requests queues briefly and is then refused instead of starting a process each. The frame
 * comes from the video's poster, a still taken once when the upload is checked. Results and
 * failures are both deterministic, so the last few of each are kept.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Fit } from '@cutline/contract';
import {
  analysisSize,
  captionPreviewAss,
  encodeWav,
  FaceDetector,
  faceModelsDir,
  fitGraph,
  localInputOptions,
  rgbFromYuv420p,
  stillFocus,
  yuv420pFrame,
  type PlanCamera,
  PREVIEW_SIZES,
  runProgram,
  type Aspect,
  type CaptionStyleId,
  type VoiceCatalogue,
} from '@cutline/render-job';
import { ApiError } from '../errors.js';
import { assetPosterKey, type Asset } from '../repositories/assets-repository.js';
import type { ObjectStore } from '../storage/object-store.js';
import { WorkLimiter, WorkLimiterBusyError } from '../lib/work-limiter.js';

const PREVIEW_TEXT = 'Your words, timed to the voice, in every shape.';
/** The poster's longest side: enough for every preview size, cropped. */
const POSTER_SIZE = 1280;
const POSTER_MAX_BYTES = 4 * 1024 * 1024;
const FAILURE_TTL_MS = 10 * 60_000;

class RecentCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

export interface PreviewLimits {
  /** ffmpeg/TTS runs at once in this process, and for one organization. */
  concurrency: number;
  perOrganization: number;
  /** Previews that may wait for a slot, over all organizations and for one. */
  maxWaiting: number;
  maxWaitingPerOrganization: number;
}

export const DEFAULT_PREVIEW_LIMITS: PreviewLimits = {
  concurrency: 2,
  perOrganization: 1,
  maxWaiting: 32,
  maxWaitingPerOrganization: 8,
};

export class Previews {
  private readonly voices = new RecentCache<Buffer>(32);
  private readonly frames = new RecentCache<Buffer>(128);
  private readonly failures = new RecentCache<{ error: ApiError; until: number }>(256);
  private readonly limiter: WorkLimiter;
  private faces?: Promise<FaceDetector | undefined>;

  constructor(
    private readonly catalogue: VoiceCatalogue,
    private readonly store: ObjectStore,
    limits: PreviewLimits = DEFAULT_PREVIEW_LIMITS,
    private readonly now: () => number = Date.now,
    private readonly faceModels: string | undefined = faceModelsDir(),
  ) {
    this.limiter = new WorkLimiter({
      concurrency: limits.concurrency,
      perKey: limits.perOrganization,
      maxWaiting: limits.maxWaiting,
      maxWaitingPerKey: limits.maxWaitingPerOrganization,
    });
  }

  /** The voice's sample sentence as a WAV file. */
  async voiceSample(voiceId: string, organizationId: string): Promise<Buffer> {
    return this.cached(this.voices, `voice:${voiceId}`, organizationId, async () => {
      let resolved;
      try {
        resolved = await this.catalogue.resolve(voiceId);
      } catch {
        throw new ApiError('CUTLINE_NOT_FOUND', `No voice "${voiceId}".`);
      }
      const { pcm } = await resolved.engine.synthesize({
        text: resolved.voice.sampleText,
        voice: resolved.voice,
        rate: 1,
        pitch: 50,
      });
      return encodeWav(pcm);
    });
  }

  /**
   * A JPEG: a frame of the video fitted to the aspect as the render would fit it (smart: the
   * crop on the frame's subject), with a sample caption in the style.
   */
  async captionFrame(asset: Asset, style: CaptionStyleId, aspect: Aspect, fit: Fit = 'smart'): Promise<Buffer> {
    if (asset.kind !== 'video' || asset.status !== 'ready')
      throw new ApiError('CUTLINE_ASSET_NOT_READY', 'Previews need a video that finished uploading.');
    return this.cached(this.frames, `frame:${asset.id}:${style}:${aspect}:${fit}`, asset.organizationId, async () => {
      const poster = await this.posterOf(asset);
      const { width, height } = PREVIEW_SIZES[aspect];
      const camera = fit === 'smart' ? await posterFocus(poster, asset, aspect, await this.faceDetector()) : undefined;
      // The subtitles filter takes a path inside the filter string: a fresh temporary
      // directory's path has no characters the filter syntax would interpret.
      return withTempDir(async (dir) => {
        const assPath = join(dir, 'caption.ass');
        await writeFile(assPath, captionPreviewAss(style, aspect, PREVIEW_TEXT));
        const result = await runProgram(
          'ffmpeg',
          [
            '-hide_banner',
            '-loglevel',
            'error',
            '-nostdin',
            ...localInputOptions(['image']),
            '-f',
            'jpeg_pipe',
            '-i',
            'pipe:0',
            '-frames:v',
            '1',
            '-filter_complex',
            `${fitGraph(fit, '0:v', 'fitted', width, height, camera)};[fitted]setsar=1,subtitles=${assPath}[preview]`,
            '-map',
            '[preview]',
            '-q:v',
            '4',
            '-f',
            'image2pipe',
            '-c:v',
            'mjpeg',
            'pipe:1',
          ],
          { input: poster, timeoutMs: 20_000, maxOutputBytes: 4 * 1024 * 1024 },
        );
        if (result.code !== 0 || result.stdout.length === 0)
          throw new ApiError('CUTLINE_INPUT_CORRUPT', 'No frame could be read from this video for a preview.');
        return result.stdout;
      });
    });
  }

  /**
   * Takes the poster of a checked video from its local copy and stores it beside the video.
   * Called while the upload is checked; a video without one (uploaded before posters existed)
   * gets it on its first preview.
   */
  async storePoster(
    asset: Pick<Asset, 'organizationId' | 'id' | 'durationSeconds'>,
    localVideo: string,
    retentionDays?: number,
  ): Promise<Buffer> {
    const at = Math.min(1, (asset.durationSeconds ?? 0) / 2);
    const result = await runProgram(
      'ffmpeg',
      [
        // Seeking after the decoder (at most a second in): a video with one keyframe still gives a frame.
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        ...localInputOptions(['video']),
        '-i',
        localVideo,
        '-ss',
        at.toFixed(2),
        '-frames:v',
        '1',
        '-vf',
        `scale=${POSTER_SIZE}:${POSTER_SIZE}:force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1`,
        '-q:v',
        '3',
        '-f',
        'image2pipe',
        '-c:v',
        'mjpeg',
        'pipe:1',
      ],
      { timeoutMs: 60_000, maxOutputBytes: POSTER_MAX_BYTES },
    );
    if (result.code !== 0 || result.stdout.length === 0)
      throw new ApiError('CUTLINE_INPUT_CORRUPT', 'No frame could be read from this video for a preview.');
    await this.store.put(assetPosterKey(asset.organizationId, asset.id), Readable.from([result.stdout]), {
      contentType: 'image/jpeg',
      maxBytes: POSTER_MAX_BYTES,
      ...(retentionDays !== undefined ? { retentionDays } : {}),
    });
    return result.stdout;
  }

  /** The smart fit's face detector, loaded on the first smart preview (none when not installed). */
  private faceDetector(): Promise<FaceDetector | undefined> {
    this.faces ??= FaceDetector.load(this.faceModels).catch(() => undefined);
    return this.faces;
  }

  private async posterOf(asset: Asset): Promise<Buffer> {
    const key = assetPosterKey(asset.organizationId, asset.id);
    if (await this.store.stat(key)) return readAll(await this.store.get(key));
    return withTempDir(async (dir) => {
      const local = join(dir, 'video');
      await pipeline(await this.store.get(asset.objectKey), createWriteStream(local));
      return this.storePoster(asset, local);
    });
  }

  /** One result per key: cached when it succeeds, its error cached when it fails, run in the limiter. */
  private async cached(
    cache: RecentCache<Buffer>,
    key: string,
    organizationId: string,
    make: () => Promise<Buffer>,
  ): Promise<Buffer> {
    const hit = cache.get(key);
    if (hit) return hit;
    const failed = this.failures.get(key);
    if (failed && failed.until > this.now()) throw failed.error;
    let value: Buffer;
    try {
      value = await this.limiter.run(organizationId, make);
    } catch (err) {
      if (err instanceof WorkLimiterBusyError)
        throw new ApiError('CUTLINE_RATE_LIMITED', 'Previews are busy; try again in a few seconds.');
      if (err instanceof ApiError && err.statusCode < 500)
        this.failures.set(key, { error: err, until: this.now() + FAILURE_TTL_MS });
      throw err;
    }
    cache.set(key, value);
    return value;
  }
}

/** Where the smart fit puts the crop on the poster (a small yuv420p copy of it is read), faces first. */
async function posterFocus(
  poster: Buffer,
  asset: Asset,
  aspect: Aspect,
  detector: FaceDetector | undefined,
): Promise<PlanCamera | undefined> {
  const { width, height } = analysisSize(asset.width ?? 16, asset.height ?? 9);
  const result = await runProgram(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...localInputOptions(['image']),
      ...['-f', 'jpeg_pipe', '-i', 'pipe:0', '-frames:v', '1'],
      ...['-vf', `scale=${width}:${height}:flags=area,format=yuv420p`, '-f', 'rawvideo', 'pipe:1'],
    ],
    { input: poster, timeoutMs: 20_000, maxOutputBytes: width * height * 2 },
  );
  // Without a readable small copy, the centre (the plain crop) is the sensible frame.
  if (result.code !== 0 || result.stdout.length < (width * height * 3) / 2) return undefined;
  const frame = yuv420pFrame(result.stdout, width, height);
  const faces = detector
    ? await detector.detect(rgbFromYuv420p(frame.data, frame.chroma!.u, frame.chroma!.v, width, height)).catch(() => [])
    : [];
  return stillFocus(frame, aspect, faces);
}

async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cutline-preview-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
