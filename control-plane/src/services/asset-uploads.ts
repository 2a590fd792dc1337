/**
 * Streaming upload through the API: the body goes to a temporary file (never memory) under
 * the plan's size limit, is probed, and only a decodable file within the plan's limits is
 * stored. A rejected upload leaves no object behind and the asset says why.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { probeAuxiliary, probeVideo, RenderError } from '@cutline/render-job';
import type { Principal } from '../domain.js';
import { ApiError, isApiErrorCode } from '../http/errors.js';
import type { Plan } from '../plans.js';
import type { Asset, AssetKind, AssetsRepository } from '../repositories/assets-repository.js';
import { ObjectTooLargeError, type ObjectStore } from '../storage/object-store.js';
import { SizeLimit } from '../storage/size-limit.js';

const DIRECT_UPLOAD_SECONDS = 60 * 60;

export class AssetUploads {
  constructor(
    private readonly assets: AssetsRepository,
    private readonly store: ObjectStore,
    private readonly activity: (principal: Principal, action: string, subject: { type: string; id: string }, data: Record<string, unknown>) => Promise<void>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async upload(principal: Principal, plan: Plan, input: { kind: AssetKind; filename: string; contentType: string; body: Readable }): Promise<Asset> {
    const asset = await this.createAsset(principal, plan, input);
    const dir = await mkdtemp(join(tmpdir(), 'cutline-upload-'));
    const temp = join(dir, 'upload');
    try {
      try {
        await pipeline(input.body, new SizeLimit(plan.maxUploadBytes), createWriteStream(temp));
      } catch (err) {
        if (err instanceof ObjectTooLargeError) throw new ApiError('CUTLINE_INPUT_TOO_LARGE', `Uploads on the ${plan.id} plan are limited to ${plan.maxUploadBytes} bytes.`);
        throw err;
      }
      const sizeBytes = (await stat(temp)).size;
      const meta = await this.probe(input.kind, temp, plan);
      await this.store.put(asset.objectKey, createReadStream(temp), { contentType: input.contentType, maxBytes: plan.maxUploadBytes });
      const ready = await this.assets.markReady(asset.id, { sizeBytes, ...meta });
      await this.activity(principal, 'asset.uploaded', { type: 'asset', id: asset.id }, { filename: input.filename, bytes: sizeBytes });
      return ready;
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'CUTLINE_INTERNAL';
      await this.assets.markRejected(asset.id, code);
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Direct upload, step 1: an asset waiting for its bytes and a short-lived link the client
   * PUTs the file to (straight to the object store; the API never sees the bytes).
   */
  async startDirect(principal: Principal, plan: Plan, input: { kind: AssetKind; filename: string; contentType: string; sizeBytes: number }): Promise<{ asset: Asset; url: string; expiresAt: Date }> {
    if (input.sizeBytes > plan.maxUploadBytes) throw new ApiError('CUTLINE_INPUT_TOO_LARGE', `Uploads on the ${plan.id} plan are limited to ${plan.maxUploadBytes} bytes.`);
    const asset = await this.createAsset(principal, plan, input);
    const url = await this.store.presignPut(asset.objectKey, { expiresSeconds: DIRECT_UPLOAD_SECONDS, contentType: input.contentType });
    return { asset, url, expiresAt: new Date(this.now().getTime() + DIRECT_UPLOAD_SECONDS * 1000) };
  }

  /** Direct upload, step 2: the client says it is done; the file is probed like any upload. */
  async completeDirect(principal: Principal, asset: Asset, plan: Plan): Promise<Asset> {
    if (asset.status !== 'uploading') throw new ApiError('CUTLINE_CONFLICT', `The upload is already ${asset.status}.`);
    const stored = await this.store.stat(asset.objectKey);
    if (!stored) throw new ApiError('CUTLINE_CONFLICT', 'Nothing was uploaded yet: PUT the file to the upload URL first.');
    const dir = await mkdtemp(join(tmpdir(), 'cutline-upload-'));
    const temp = join(dir, 'upload');
    try {
      if (stored.bytes > plan.maxUploadBytes) throw new ApiError('CUTLINE_INPUT_TOO_LARGE', `Uploads on the ${plan.id} plan are limited to ${plan.maxUploadBytes} bytes.`);
      await pipeline(await this.store.get(asset.objectKey), createWriteStream(temp));
      const meta = await this.probe(asset.kind, temp, plan);
      const ready = await this.assets.markReady(asset.id, { sizeBytes: stored.bytes, ...meta });
      await this.activity(principal, 'asset.uploaded', { type: 'asset', id: asset.id }, { filename: asset.filename, bytes: stored.bytes, direct: true });
      return ready;
    } catch (err) {
      await this.store.delete(asset.objectKey);
      await this.assets.markRejected(asset.id, err instanceof ApiError ? err.code : 'CUTLINE_INTERNAL');
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private createAsset(principal: Principal, plan: Plan, input: { kind: AssetKind; filename: string; contentType: string }): Promise<Asset> {
    return this.assets.create({
      organizationId: principal.organizationId,
      kind: input.kind,
      filename: input.filename,
      contentType: input.contentType,
      expiresAt: new Date(this.now().getTime() + plan.retentionDays * 86_400_000),
    });
  }

  private async probe(kind: AssetKind, path: string, plan: Plan) {
    try {
      if (kind === 'video') {
        const probe = await probeVideo(path, { maxBytes: plan.maxUploadBytes, maxSeconds: plan.maxSourceSeconds });
        return { durationSeconds: probe.duration, width: probe.width, height: probe.height, videoCodec: probe.codec, audioCodec: probe.audioCodec };
      }
      await probeAuxiliary(path, kind === 'logo' ? 'image' : 'audio');
      return {};
    } catch (err) {
      if (err instanceof RenderError && isApiErrorCode(err.code)) throw new ApiError(err.code, err.message);
      throw err;
    }
  }
}
