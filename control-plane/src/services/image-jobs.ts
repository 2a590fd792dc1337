/**
 * Submitting image jobs: many pictures × many presets in one request, as one batch of jobs
 * (one per picture, each making every size) that the dispatcher runs like renders. Everything
 * a request can be refused for is checked first; then one transaction locks the pictures,
 * reserves the month's images, and records the batch, its jobs and their outbox events.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../domain.js';
import { ApiError, type FieldIssue } from '../errors.js';
import type { RenderLifecycle } from '../lifecycle/render-lifecycle.js';
import { recordActivity } from '../repositories/activity-repository.js';
import {
  assetObjectKey,
  lockUsableAssets,
  type Asset,
  type AssetsRepository,
} from '../repositories/assets-repository.js';
import { insertBatch } from '../repositories/batches-repository.js';
import type { ImagePresetsRepository } from '../repositories/image-presets-repository.js';
import type { ProjectsRepository } from '../repositories/projects-repository.js';
import type { RendersRepository } from '../repositories/renders-repository.js';
import type { UsageRepository } from '../repositories/usage-repository.js';
import type { ObjectStore } from '../storage/object-store.js';
import {
  buildImageSpec,
  checkedCrops,
  MAX_IMAGES_PER_REQUEST,
  MAX_IMAGES_WITHOUT_BATCH,
  resolvePresets,
  type ImageBatchRequest,
  type ResolvedPreset,
} from './image-request.js';
import { assertNotSuspended, type PlanAndPeriod } from './render-submissions.js';

export interface ImageBatchResult {
  batchId: string;
  jobIds: string[];
  /** Output images the batch makes (and reserved of the month's allowance). */
  images: number;
}

export class ImageJobs {
  constructor(
    private readonly renders: Pick<RendersRepository, 'transaction'>,
    private readonly lifecycle: RenderLifecycle,
    private readonly assets: Pick<AssetsRepository, 'findMany' | 'readyImagesIn'>,
    private readonly presets: Pick<ImagePresetsRepository, 'list'>,
    private readonly usage: UsageRepository,
    private readonly store: ObjectStore,
    private readonly projects: Pick<ProjectsRepository, 'assertOpen'>,
    private readonly dispatcher?: { wake(): void },
  ) {}

  async submit(
    principal: Principal,
    { organization, plan, period }: PlanAndPeriod,
    request: ImageBatchRequest,
  ): Promise<ImageBatchResult> {
    assertNotSuspended(organization);
    const organizationId = principal.organizationId;
    const sizes = resolvePresets(request.presets, await this.presets.list(organizationId), request.format);
    if (request.projectId) await this.projects.assertOpen(organizationId, request.projectId);
    const pictures = await this.pictures(organizationId, request);
    const logo = request.logo ? await this.logo(organizationId, request.logo.assetId) : undefined;
    const crops = checkedCrops(request, pictures);
    if (pictures.length > MAX_IMAGES_WITHOUT_BATCH && !plan.batch)
      throw new ApiError(
        'CUTLINE_PLAN_LIMIT',
        `The ${plan.id} plan takes up to ${MAX_IMAGES_WITHOUT_BATCH} pictures at a time; upgrade to Pro for batches of up to ${MAX_IMAGES_PER_REQUEST}.`,
        [{ field: 'assetIds', message: `more than ${MAX_IMAGES_WITHOUT_BATCH} pictures` }],
      );
    const jobs = pictures.map((asset) => {
      const id = randomUUID();
      const spec = buildImageSpec(
        {
          jobId: id,
          organizationId,
          assetKey: assetObjectKey(organizationId, asset.id),
          filename: asset.filename,
          cropBox: crops.get(asset.id),
          logoKey: logo ? assetObjectKey(organizationId, logo.id) : undefined,
          presets: sizes,
          request,
          plan,
        },
        this.store,
      );
      return { id, asset, spec };
    });
    const images = jobs.length * sizes.length;
    const batchId = await this.renders.transaction(async (tx) => {
      const wanted = [...pictures.map((p) => p.id), ...(logo ? [logo.id] : [])];
      const usable = new Set(await lockUsableAssets(tx, organizationId, wanted));
      const gone = pictures.flatMap((p, i) => (usable.has(p.id) ? [] : [gonePicture(request, i)]));
      if (logo && !usable.has(logo.id))
        gone.push({ field: 'logo.assetId', message: 'the logo is no longer available' });
      if (gone.length > 0)
        throw new ApiError(
          'CUTLINE_ASSET_NOT_READY',
          'A picture was deleted or expired meanwhile; nothing was submitted.',
          gone,
        );
      const periodId = await this.usage.reserveImages(tx, organizationId, period, plan.imagesPerMonth, images);
      if (!periodId)
        throw new ApiError(
          'CUTLINE_QUOTA_EXCEEDED',
          `This needs ${images} images (${jobs.length} pictures × ${sizes.length} sizes), more than are left this month on the ${plan.id} plan (${plan.imagesPerMonth} a month).`,
        );
      const batch = await insertBatch(tx, {
        organizationId,
        name: request.name ?? defaultName(pictures, sizes),
        rowCount: jobs.length,
        projectId: request.projectId ?? null,
      });
      for (const [row, job] of jobs.entries())
        await this.lifecycle.submit(tx, {
          id: job.id,
          organizationId,
          assetId: job.asset.id,
          createdById: principal.kind === 'user' ? principal.userId : null,
          title: job.asset.filename,
          tier: plan.id,
          priority: plan.priority,
          spec: job.spec,
          idempotencyKey: null,
          usagePeriodId: periodId,
          batchId: batch.id,
          batchRow: row + 1,
          projectId: request.projectId ?? null,
          deleteAfterDownload: request.deleteAfterDownload ?? false,
          kind: 'image',
          units: sizes.length,
        });
      await recordActivity(
        tx,
        principal,
        'image_batch.submitted',
        { type: 'batch', id: batch.id },
        { pictures: jobs.length, sizes: sizes.map((s) => s.name), images },
      );
      return batch.id;
    });
    this.dispatcher?.wake();
    return { batchId, jobIds: jobs.map((j) => j.id), images };
  }

  /** The overlay's logo: the organization's own ready logo or picture. */
  private async logo(organizationId: string, id: string): Promise<Asset> {
    const [asset] = await this.assets.findMany(organizationId, [id]);
    if (!asset || (asset.kind !== 'logo' && asset.kind !== 'image'))
      throw new ApiError('CUTLINE_NOT_FOUND', 'No such logo in your library.', [
        { field: 'logo.assetId', message: 'is not one of your logos or pictures' },
      ]);
    if (asset.status !== 'ready')
      throw new ApiError('CUTLINE_ASSET_NOT_READY', `The logo is ${asset.status}.`, [
        { field: 'logo.assetId', message: `is ${asset.status}` },
      ]);
    return asset;
  }

  /** The pictures the request names, each the organization's own ready image, in the request's order. */
  private async pictures(organizationId: string, request: ImageBatchRequest): Promise<Asset[]> {
    if ((request.assetIds === undefined) === (request.fromProjectId === undefined))
      throw new ApiError('CUTLINE_VALIDATION_FAILED', 'Name the pictures: assetIds, or fromProjectId (not both).', [
        { field: 'assetIds', message: 'give assetIds or fromProjectId' },
      ]);
    if (request.fromProjectId) {
      const found = await this.assets.readyImagesIn(organizationId, request.fromProjectId, MAX_IMAGES_PER_REQUEST);
      if (found.length === 0)
        throw new ApiError('CUTLINE_VALIDATION_FAILED', 'That project holds no ready pictures.', [
          { field: 'fromProjectId', message: 'has no ready pictures' },
        ]);
      return found;
    }
    const ids = request.assetIds ?? [];
    const byId = new Map((await this.assets.findMany(organizationId, ids)).map((a) => [a.id, a]));
    const issues: FieldIssue[] = [];
    const pictures = ids.flatMap((id, i) => {
      const asset = byId.get(id.toLowerCase());
      if (!asset || asset.kind !== 'image') {
        issues.push({ field: `assetIds[${i}]`, message: 'is not one of your pictures' });
        return [];
      }
      if (asset.status !== 'ready') {
        issues.push({ field: `assetIds[${i}]`, message: `is ${asset.status}` });
        return [];
      }
      return [asset];
    });
    if (issues.length > 0) {
      const missing = issues.some((i) => i.message.startsWith('is not'));
      throw new ApiError(
        missing ? 'CUTLINE_NOT_FOUND' : 'CUTLINE_ASSET_NOT_READY',
        missing ? 'Some pictures are not in your library.' : 'Some pictures are not ready.',
        issues,
      );
    }
    return pictures;
  }
}

function gonePicture(request: ImageBatchRequest, index: number): FieldIssue {
  return {
    field: request.assetIds ? `assetIds[${index}]` : 'fromProjectId',
    message: 'the picture is no longer available',
  };
}

function defaultName(pictures: readonly Asset[], sizes: readonly ResolvedPreset[]): string {
  const first = pictures[0]?.filename ?? 'pictures';
  const more = pictures.length > 1 ? ` and ${pictures.length - 1} more` : '';
  return `${first}${more} × ${sizes.length} size${sizes.length === 1 ? '' : 's'}`.slice(0, 120);
}
