/**
 * Streaming upload through the API: the body goes to a temporary file (never memory) under
 * the plan's size limit, is probed, and only a decodable file within the plan's limits is
 * stored. A rejected upload leaves no object behind and the asset says why.
 *
 * Direct uploads write to the asset's upload key through links bound to the declared length;
 * completion copies that object to the asset's own key (which no link can write) and checks
 * the copy, so bytes sent after the check change nothing that was checked.
 */
import type { RecordActivity } from '../repositories/activity-repository.js';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { inspectImage, probeAuxiliary, probeVideo, RenderError } from '@cutline/render-job';
import type { Principal } from '../domain.js';
import { ApiError, isApiErrorCode } from '../errors.js';
import type { Plan } from '../plans.js';
import {
  assetObjectKeys,
  assetUploadKey,
  type Asset,
  type AssetKind,
  type AssetsRepository,
} from '../repositories/assets-repository.js';
import {
  MAX_PARTS,
  MIN_PART_BYTES,
  ObjectTooLargeError,
  type ObjectStore,
  type UploadedPart,
} from '../storage/object-store.js';
import { SizeLimit } from '../storage/size-limit.js';
import type { ProjectsRepository } from '../repositories/projects-repository.js';

/** Where an upload is filed as it is made. */
export interface AssetFiling {
  projectId?: string | undefined;
  tags?: string[] | undefined;
}

export const MAX_TAGS = 20;

/** Frames of an animated image upload (a flipbook of thousands is refused from its header). */
export const MAX_IMAGE_FRAMES = 300;

/** Tags as the library keeps them: trimmed, lower-case, without repeats. */
export function normaliseTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0))].slice(0, MAX_TAGS);
}

const DIRECT_UPLOAD_SECONDS = 60 * 60;
const MiB = 1024 * 1024;
/** Direct uploads above this go in parts (a client may ask for parts below it too). */
export const MULTIPART_THRESHOLD_BYTES = 64 * MiB;

/** Parts of whole MiB, at least S3's 5 MiB minimum, and few enough for S3's 10,000. */
export function partLayout(sizeBytes: number): { partSize: number; partCount: number } {
  const partSize = Math.max(MIN_PART_BYTES, Math.ceil(sizeBytes / MAX_PARTS / MiB) * MiB);
  return { partSize, partCount: Math.ceil(sizeBytes / partSize) };
}

/** The exact size of part n: the part size, or the remainder for the last. */
function partBytes(declared: number, partSize: number, partCount: number, n: number): number {
  return n < partCount ? partSize : declared - partSize * (partCount - 1);
}

function uploadTooLarge(plan: Plan): ApiError {
  return new ApiError(
    'CUTLINE_INPUT_TOO_LARGE',
    `Uploads on the ${plan.id} plan are limited to ${plan.maxUploadBytes} bytes.`,
  );
}

export type DirectUpload =
  | { method: 'PUT'; url: string; headers: Record<string, string>; expiresAt: Date }
  | { method: 'multipart'; partSize: number; partCount: number; expiresAt: Date };

export interface UploadProgress {
  partSize: number;
  partCount: number;
  uploaded: UploadedPart[];
}

/** Takes a checked video's preview still from its local copy (services/previews.ts). */
export interface PosterMaker {
  storePoster(
    asset: Pick<Asset, 'organizationId' | 'id' | 'durationSeconds'>,
    localVideo: string,
    retentionDays: number,
  ): Promise<unknown>;
}

export class AssetUploads {
  constructor(
    private readonly assets: AssetsRepository,
    private readonly store: ObjectStore,
    private readonly posters: PosterMaker,
    private readonly activity: RecordActivity,
    private readonly now: () => Date = () => new Date(),
    private readonly projects?: Pick<ProjectsRepository, 'assertOpen'>,
  ) {}

  async upload(
    principal: Principal,
    plan: Plan,
    input: AssetFiling & { kind: AssetKind; filename: string; contentType: string; body: Readable },
  ): Promise<Asset> {
    const asset = await this.createAsset(principal, plan, input);
    const dir = await mkdtemp(join(tmpdir(), 'cutline-upload-'));
    const temp = join(dir, 'upload');
    try {
      try {
        await pipeline(input.body, new SizeLimit(plan.maxUploadBytes), createWriteStream(temp));
      } catch (err) {
        if (err instanceof ObjectTooLargeError) throw uploadTooLarge(plan);
        throw err;
      }
      const sizeBytes = (await stat(temp)).size;
      const meta = await this.probe(input.kind, temp, plan);
      await this.store.put(asset.objectKey, createReadStream(temp), {
        contentType: input.contentType,
        maxBytes: plan.maxUploadBytes,
        retentionDays: plan.retentionDays,
      });
      if (input.kind === 'video')
        await this.posters.storePoster(
          { organizationId: asset.organizationId, id: asset.id, durationSeconds: meta.durationSeconds ?? null },
          temp,
          plan.retentionDays,
        );
      const ready = await this.assets.markReady(asset.id, { sizeBytes, ...meta });
      await this.activity(
        principal,
        'asset.uploaded',
        { type: 'asset', id: asset.id },
        { filename: input.filename, bytes: sizeBytes },
      );
      return ready;
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'CUTLINE_INTERNAL';
      await this.removeObjects(asset);
      await this.assets.markRejected(asset.id, code);
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Direct upload, step 1: an asset waiting for its bytes, and either one short-lived link the
   * client PUTs the file to, or (large files, or when asked) a multipart upload whose part
   * links come from partLinks(). The API never sees the bytes.
   */
  async startDirect(
    principal: Principal,
    plan: Plan,
    input: AssetFiling & {
      kind: AssetKind;
      filename: string;
      contentType: string;
      sizeBytes: number;
      multipart?: boolean | undefined;
    },
  ): Promise<{ asset: Asset; upload: DirectUpload }> {
    if (input.sizeBytes > plan.maxUploadBytes) throw uploadTooLarge(plan);
    const asset = await this.createAsset(principal, plan, input);
    const expiresAt = new Date(this.now().getTime() + DIRECT_UPLOAD_SECONDS * 1000);
    const uploadKey = assetUploadKey(asset.organizationId, asset.id);
    if (input.multipart || input.sizeBytes > MULTIPART_THRESHOLD_BYTES) {
      const uploadId = await this.store.startMultipart(uploadKey, { contentType: input.contentType });
      const attached = await this.assets.attachMultipart(asset.id, uploadId, input.sizeBytes);
      return { asset: attached, upload: { method: 'multipart', ...partLayout(input.sizeBytes), expiresAt } };
    }
    const url = await this.store.presignPut(uploadKey, {
      expiresSeconds: DIRECT_UPLOAD_SECONDS,
      contentType: input.contentType,
      contentLength: input.sizeBytes,
    });
    return { asset, upload: { method: 'PUT', url, headers: { 'content-type': input.contentType }, expiresAt } };
  }

  /** Links to PUT the given parts to (asked for in batches, so a resumed upload asks again). */
  async partLinks(
    asset: Asset,
    partNumbers: number[],
  ): Promise<{ parts: Array<{ partNumber: number; url: string }>; expiresAt: Date }> {
    const { uploadId, partSize, partCount } = this.openMultipart(asset);
    const outside = partNumbers.filter((n) => n > partCount);
    if (outside.length > 0) {
      throw new ApiError(
        'CUTLINE_VALIDATION_FAILED',
        `This upload has ${partCount} parts.`,
        outside.map((n) => ({ field: 'partNumbers', message: `part ${n} is beyond the last part (${partCount})` })),
      );
    }
    const uploadKey = assetUploadKey(asset.organizationId, asset.id);
    const parts = await Promise.all(
      [...new Set(partNumbers)].map(async (partNumber) => {
        const contentLength = partBytes(asset.sizeBytes ?? 0, partSize, partCount, partNumber);
        return {
          partNumber,
          url: await this.store.presignPart(uploadKey, uploadId, partNumber, {
            expiresSeconds: DIRECT_UPLOAD_SECONDS,
            contentLength,
          }),
        };
      }),
    );
    return { parts, expiresAt: new Date(this.now().getTime() + DIRECT_UPLOAD_SECONDS * 1000) };
  }

  /** What has arrived so far: a client resuming an upload sends only the parts missing here. */
  async progress(asset: Asset): Promise<UploadProgress> {
    const { uploadId, partSize, partCount } = this.openMultipart(asset);
    return {
      partSize,
      partCount,
      uploaded: await this.store.listParts(assetUploadKey(asset.organizationId, asset.id), uploadId),
    };
  }

  /** Direct upload, step 2: the client says it is done; the file is probed like any upload. */
  async completeDirect(principal: Principal, asset: Asset, plan: Plan): Promise<Asset> {
    if (asset.status !== 'uploading') throw new ApiError('CUTLINE_CONFLICT', `The upload is already ${asset.status}.`);
    await this.takeUpload(asset);
    const stored = await this.store.stat(asset.objectKey);
    if (!stored)
      throw new ApiError('CUTLINE_CONFLICT', 'Nothing was uploaded yet: PUT the file to the upload URL first.');
    const dir = await mkdtemp(join(tmpdir(), 'cutline-upload-'));
    const temp = join(dir, 'upload');
    try {
      if (stored.bytes > plan.maxUploadBytes) throw uploadTooLarge(plan);
      await pipeline(await this.store.get(asset.objectKey), new SizeLimit(stored.bytes), createWriteStream(temp));
      const meta = await this.probe(asset.kind, temp, plan);
      await this.store.tagRetention(asset.objectKey, plan.retentionDays);
      if (asset.kind === 'video')
        await this.posters.storePoster(
          { organizationId: asset.organizationId, id: asset.id, durationSeconds: meta.durationSeconds ?? null },
          temp,
          plan.retentionDays,
        );
      const ready = await this.assets.markReady(asset.id, { sizeBytes: stored.bytes, ...meta });
      await this.activity(
        principal,
        'asset.uploaded',
        { type: 'asset', id: asset.id },
        { filename: asset.filename, bytes: stored.bytes, direct: true },
      );
      return ready;
    } catch (err) {
      await this.removeObjects(asset);
      await this.assets.markRejected(asset.id, err instanceof ApiError ? err.code : 'CUTLINE_INTERNAL');
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Moves what the links wrote to the asset's own key. Each step is skipped when an earlier,
   * interrupted completion already did it. An incomplete multipart upload stays open (409 with
   * the parts that are missing), so the client can send them and complete again.
   */
  private async takeUpload(asset: Asset): Promise<void> {
    const uploadKey = assetUploadKey(asset.organizationId, asset.id);
    if (!(await this.store.stat(asset.objectKey))) {
      if (asset.multipartUpload && !(await this.store.stat(uploadKey))) await this.assembleParts(asset);
      if (!(await this.store.stat(uploadKey))) return;
      await this.store.copy(uploadKey, asset.objectKey);
    }
    await this.store.delete(uploadKey);
  }

  private async removeObjects(asset: Asset): Promise<void> {
    await Promise.all(assetObjectKeys(asset).map((key) => this.store.delete(key)));
  }

  private openMultipart(asset: Asset): { uploadId: string; partSize: number; partCount: number } {
    if (asset.status !== 'uploading') throw new ApiError('CUTLINE_CONFLICT', `The upload is already ${asset.status}.`);
    if (!asset.multipartUpload || asset.sizeBytes === null)
      throw new ApiError('CUTLINE_CONFLICT', 'This upload is a single PUT, not a multipart upload.');
    return { uploadId: asset.multipartUpload, ...partLayout(asset.sizeBytes) };
  }

  /** Checks every part arrived whole (each the part size, the last the remainder), then joins them. */
  private async assembleParts(asset: Asset): Promise<void> {
    const { uploadId, partSize, partCount } = this.openMultipart(asset);
    const declared = asset.sizeBytes ?? 0;
    const uploadKey = assetUploadKey(asset.organizationId, asset.id);
    const parts = new Map((await this.store.listParts(uploadKey, uploadId)).map((p) => [p.partNumber, p]));
    const problems: Array<{ field: string; message: string }> = [];
    for (let n = 1; n <= partCount; n++) {
      const expected = partBytes(declared, partSize, partCount, n);
      const part = parts.get(n);
      if (!part) problems.push({ field: `parts[${n}]`, message: 'missing' });
      else if (part.bytes !== expected)
        problems.push({ field: `parts[${n}]`, message: `has ${part.bytes} bytes, expected ${expected}` });
    }
    if (problems.length > 0) {
      throw new ApiError(
        'CUTLINE_UPLOAD_INCOMPLETE',
        `${problems.length} of ${partCount} parts are missing or incomplete: upload them and complete again.`,
        problems.slice(0, 100),
      );
    }
    await this.store.completeMultipart(
      uploadKey,
      uploadId,
      [...parts.values()].filter((p) => p.partNumber <= partCount),
    );
  }

  private async createAsset(
    principal: Principal,
    plan: Plan,
    input: AssetFiling & { kind: AssetKind; filename: string; contentType: string },
  ): Promise<Asset> {
    if (input.projectId) await this.projects?.assertOpen(principal.organizationId, input.projectId);
    return this.assets.create({
      organizationId: principal.organizationId,
      kind: input.kind,
      filename: input.filename,
      contentType: input.contentType,
      expiresAt: new Date(this.now().getTime() + plan.retentionDays * 86_400_000),
      projectId: input.projectId ?? null,
      uploadedById: principal.kind === 'user' ? principal.userId : null,
      tags: normaliseTags(input.tags ?? []),
    });
  }

  private async probe(kind: AssetKind, path: string, plan: Plan) {
    try {
      if (kind === 'video') {
        const probe = await probeVideo(path, { maxBytes: plan.maxUploadBytes, maxSeconds: plan.maxSourceSeconds });
        return {
          durationSeconds: probe.duration,
          width: probe.width,
          height: probe.height,
          videoCodec: probe.codec,
          audioCodec: probe.audioCodec,
        };
      }
      if (kind === 'image') {
        const facts = await inspectImage(path, { maxPixels: plan.maxImagePixels, maxFrames: MAX_IMAGE_FRAMES });
        return { width: facts.width, height: facts.height };
      }
      await probeAuxiliary(path, kind === 'logo' ? 'image' : 'audio');
      return {};
    } catch (err) {
      if (err instanceof RenderError && isApiErrorCode(err.code)) throw new ApiError(err.code, err.message);
      throw err;
    }
  }
}
