/**
 * Retention: deletes expired outputs and uploads, marks expired renders, and prunes published
 * events past the replay window. One sweeper at a time (a session advisory lock); every step
 * is a short statement of its own — no transaction stays open around object-store calls — and
 * each item is independent, so a crash midway loses nothing and the next sweep carries on.
 */
import { assetObjectKeys, assetUploadKey } from '../repositories/assets-repository.js';
import type { RenderLifecycle } from '../lifecycle/render-lifecycle.js';
import type { OutputsRepository } from '../repositories/outputs-repository.js';
import type { RetentionRepository } from '../repositories/retention-repository.js';
import { UPLOADS_PREFIX, type ObjectStore } from '../storage/object-store.js';
import { isUuid } from '../domain.js';

const SWEEP_LOCK_KEY = 72_707_368_002;
const BATCH = 200;
/** Uploads that never finished (a crash mid-upload) are cleaned after this long. */
const STALE_UPLOAD_MS = 24 * 3_600_000;
/**
 * Published events stay this long for SSE clients that reconnect with Last-Event-ID
 * (repositories/events-repository.ts); a client away longer reloads the render instead.
 */
export const EVENT_REPLAY_MS = 24 * 3_600_000;
/** How long the delivery log (and sent mail) is kept for people to look at. */
export const NOTIFICATION_LOG_MS = 30 * 86_400_000;

export interface SweepResult {
  outputsDeleted: number;
  rendersExpired: number;
  assetsDeleted: number;
  eventsPruned: number;
  /** Processed notification events, finished mail and webhook deliveries past NOTIFICATION_LOG_MS. */
  notificationsPruned: number;
  /** Prefixes of organizations that no longer exist, emptied (what a render pod wrote after its organization was deleted). */
  orphanedPrefixesDeleted: number;
  skipped: boolean;
}

export class Sweeper {
  constructor(
    private readonly retention: RetentionRepository,
    private readonly outputs: OutputsRepository,
    private readonly store: ObjectStore,
    private readonly lifecycle: RenderLifecycle,
    private readonly log: (message: string, fields?: Record<string, unknown>) => void = () => undefined,
    private readonly options: { sweepOrphans?: boolean } = {},
  ) {}

  async sweep(now: Date = new Date()): Promise<SweepResult> {
    const result = await this.retention.exclusively(SWEEP_LOCK_KEY, async () => {
      const result: SweepResult = {
        outputsDeleted: 0,
        rendersExpired: 0,
        assetsDeleted: 0,
        eventsPruned: 0,
        notificationsPruned: 0,
        orphanedPrefixesDeleted: 0,
        skipped: false,
      };
      result.outputsDeleted = await this.deleteExpiredOutputs(now);
      result.rendersExpired = await this.lifecycle.expireDue(now);
      result.assetsDeleted = await this.deleteExpiredAssets(now);
      result.eventsPruned = await this.retention.prunePublishedEvents(new Date(now.getTime() - EVENT_REPLAY_MS));
      result.notificationsPruned = await this.retention.pruneNotifications(
        new Date(now.getTime() - NOTIFICATION_LOG_MS),
      );
      if (this.options.sweepOrphans ?? true) result.orphanedPrefixesDeleted = await this.deleteOrphanedPrefixes();
      if (
        result.outputsDeleted +
          result.rendersExpired +
          result.assetsDeleted +
          result.eventsPruned +
          result.notificationsPruned +
          result.orphanedPrefixesDeleted >
        0
      )
        this.log('sweep done', { ...result });
      return result;
    });
    return (
      result ?? {
        outputsDeleted: 0,
        rendersExpired: 0,
        assetsDeleted: 0,
        eventsPruned: 0,
        notificationsPruned: 0,
        orphanedPrefixesDeleted: 0,
        skipped: true,
      }
    );
  }

  /** Objects first, then the records say so: a crash between them only deletes again. */
  private async deleteExpiredOutputs(now: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      const outputs = await this.outputs.expired(now, BATCH);
      for (const output of outputs) await this.store.delete(output.objectKey);
      if (outputs.length > 0)
        await this.outputs.markDeleted(
          outputs.map((o) => o.id),
          now,
        );
      deleted += outputs.length;
      if (outputs.length < BATCH) return deleted;
    }
  }

  /**
   * Objects under `orgs/<id>/` or `uploads/<id>/` of an organization that does not exist: left
   * by a render that was still writing when its organization was deleted. An organization's
   * row exists before any of its objects, so none of these can belong to one being created.
   */
  private async deleteOrphanedPrefixes(): Promise<number> {
    let deleted = 0;
    for (const root of ['orgs/', UPLOADS_PREFIX]) {
      const ids = (await this.store.listChildren(root)).filter(isUuid);
      if (ids.length === 0) continue;
      const existing = new Set(await this.retention.existingOrganizations(ids));
      for (const id of ids.filter((i) => !existing.has(i))) {
        await this.store.deletePrefix(`${root}${id}/`);
        deleted++;
      }
    }
    return deleted;
  }

  /** Expired uploads go, unless a render still waiting or running needs them: the record first, then its objects. */
  private async deleteExpiredAssets(now: Date): Promise<number> {
    const staleBefore = new Date(now.getTime() - STALE_UPLOAD_MS);
    const candidates = await this.retention.expiredAssetCandidates(now, staleBefore, 1000);
    if (candidates.length === 0) return 0;
    const taken = await this.retention.takeUnusedAssets(candidates, now);
    for (const asset of taken) {
      if (asset.multipartUpload)
        await this.store.abortMultipart(assetUploadKey(asset.organizationId, asset.id), asset.multipartUpload);
      for (const key of assetObjectKeys(asset)) await this.store.delete(key);
    }
    return taken.length;
  }
}
