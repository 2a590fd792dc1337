/**
 * Previews for the new-video form: a voice reading its sample sentence, and a frame of the
 * user's video with a caption style burned in by the same libass the render uses. Both are
 * deterministic, so the last few are kept in memory.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captionPreviewAss, encodeWav, PREVIEW_SIZES, runProgram, type Aspect, type CaptionStyleId, type VoiceCatalogue } from '@cutline/render-job';
import { ApiError } from '../http/errors.js';
import type { Asset } from '../repositories/assets-repository.js';
import type { ObjectStore } from '../storage/object-store.js';

const PREVIEW_TEXT = 'Your words, timed to the voice, in every shape.';

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

export class Previews {
  private readonly voices = new RecentCache<Buffer>(32);
  private readonly frames = new RecentCache<Buffer>(128);

  constructor(private readonly catalogue: VoiceCatalogue, private readonly store: ObjectStore) {}

  /** The voice's sample sentence as a WAV file. */
  async voiceSample(voiceId: string): Promise<Buffer> {
    const cached = this.voices.get(voiceId);
    if (cached) return cached;
    let resolved;
    try {
      resolved = await this.catalogue.resolve(voiceId);
    } catch {
      throw new ApiError('CUTLINE_NOT_FOUND', `No voice "${voiceId}".`);
    }
    const { pcm } = await resolved.engine.synthesize({ text: resolved.voice.sampleText, voice: resolved.voice, rate: 1, pitch: 50 });
    const wav = encodeWav(pcm);
    this.voices.set(voiceId, wav);
    return wav;
  }

  /** A JPEG: a frame of the video, cropped to the aspect, with a sample caption in the style. */
  async captionFrame(asset: Asset, style: CaptionStyleId, aspect: Aspect): Promise<Buffer> {
    const key = `${asset.id}:${style}:${aspect}`;
    const cached = this.frames.get(key);
    if (cached) return cached;
    if (asset.kind !== 'video' || asset.status !== 'ready') throw new ApiError('CUTLINE_ASSET_NOT_READY', 'Previews need a video that finished uploading.');
    const { width, height } = PREVIEW_SIZES[aspect];
    const url = await this.store.presignGet(asset.objectKey, { expiresSeconds: 120 });
    const at = Math.min(1, (asset.durationSeconds ?? 0) / 2);
    // The subtitles filter takes a path inside the filter string: a fresh temporary
    // directory's path has no characters the filter syntax would interpret.
    const dir = await mkdtemp(join(tmpdir(), 'cutline-preview-'));
    try {
      const assPath = join(dir, 'caption.ass');
      await writeFile(assPath, captionPreviewAss(style, aspect, PREVIEW_TEXT));
      const result = await runProgram('ffmpeg', [
        '-hide_banner', '-loglevel', 'error', '-nostdin', '-ss', at.toFixed(2), '-i', url, '-frames:v', '1',
        '-vf', `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height},setsar=1,subtitles=${assPath}`,
        '-q:v', '4', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1',
      ], { timeoutMs: 20_000, maxOutputBytes: 4 * 1024 * 1024 });
      if (result.code !== 0 || result.stdout.length === 0) throw new ApiError('CUTLINE_INPUT_CORRUPT', 'No frame could be read from this video for a preview.');
      this.frames.set(key, result.stdout);
      return result.stdout;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
