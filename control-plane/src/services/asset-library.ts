/** The library's changes to an upload: filing it (project, tags, name) and deleting it now. */
import type { RecordActivity } from '../repositories/activity-repository.js';
import type { Principal } from '../domain.js';
import { ApiError, notFound } from '../errors.js';
import {
  assetObjectKeys,
  assetUploadKey,
  type Asset,
  type AssetsRepository,
} from '../repositories/assets-repository.js';
import type { ProjectsRepository } from '../repositories/projects-repository.js';
import type { ObjectStore } from '../storage/object-store.js';
import { normaliseTags } from './asset-uploads.js';

export class AssetLibrary {
  constructor(
    private readonly assets: AssetsRepository,
    private readonly projects: Pick<ProjectsRepository, 'assertOpen'>,
    private readonly store: ObjectStore,
    private readonly activity: RecordActivity,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async label(
    principal: Principal,
    id: string,
    changes: { projectId?: string | null | undefined; tags?: string[] | undefined; filename?: string | undefined },
  ): Promise<Asset> {
    if (changes.projectId) await this.projects.assertOpen(principal.organizationId, changes.projectId);
    const asset = await this.assets.label(principal.organizationId, id, {
      ...changes,
      ...(changes.tags ? { tags: normaliseTags(changes.tags) } : {}),
    });
    if (!asset) throw notFound('Asset');
    await this.activity(principal, 'asset.updated', { type: 'asset', id }, { fields: Object.keys(changes) });
    return asset;
  }

  /** A short-lived link to the upload itself, for the browser's player (trim points, the library). */
  async link(principal: Principal, id: string): Promise<{ url: string; expiresAt: Date }> {
    const asset = await this.assets.find(principal.organizationId, id);
    if (!asset) throw notFound('Asset');
    if (asset.status !== 'ready') throw new ApiError('CUTLINE_ASSET_NOT_READY', `The file is ${asset.status}.`);
    const seconds = 15 * 60;
    const url = await this.store.presignGet(asset.objectKey, { expiresSeconds: seconds, filename: asset.filename });
    return { url, expiresAt: new Date(this.now().getTime() + seconds * 1000) };
  }

  /** The record is marked first, so no render can start on it; then its objects go. */
  async remove(principal: Principal, id: string): Promise<void> {
    const taken = await this.assets.takeForDeletion(principal.organizationId, id, this.now());
    if (!taken) throw notFound('Asset');
    if (taken === 'in-use')
      throw new ApiError('CUTLINE_CONFLICT', 'A render waiting or in progress uses this file; cancel it first.');
    if (taken.multipartUpload)
      await this.store.abortMultipart(assetUploadKey(taken.organizationId, taken.id), taken.multipartUpload);
    for (const key of assetObjectKeys(taken)) await this.store.delete(key);
    await this.activity(principal, 'asset.deleted', { type: 'asset', id }, {});
  }
}
