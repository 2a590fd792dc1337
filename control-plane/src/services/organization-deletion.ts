/**
 * Deleting an organization at its owner's request: everything goes at once, not at the end
 * of retention. In order: billing stops (the Stripe customer is deleted, which ends its
 * subscription); renders waiting or running are canceled and their workers stopped; the
 * launchers are given a bounded time to hear of it; then the records go in one transaction
 * and the objects under the organization's prefixes after them. A failure before the records
 * go leaves the organization as it was, to be deleted again.
 */
import type { Principal } from '../domain.js';
import { ApiError } from '../errors.js';
import type { RenderLifecycle } from '../lifecycle/render-lifecycle.js';
import type { OrganizationsRepository } from '../repositories/organizations-repository.js';
import { UPLOADS_PREFIX, type ObjectStore } from '../storage/object-store.js';
import { assetUploadKey } from '../repositories/assets-repository.js';

const DELETED = { code: 'CUTLINE_CANCELED', message: 'The organization was deleted.' };

export interface OrganizationDeletionOptions {
  /** Ends the organization's Stripe customer (and with it any subscription). */
  closeBilling: (stripeCustomerId: string) => Promise<void>;
  /** Stops renders running in this process. */
  stopRender?: (renderId: string) => void;
  /** Drops cached credentials and live streams of the organization. */
  credentialsChanged?: (organizationId: string) => void;
  /** How long to wait for other processes to hear of the cancels. */
  settleMs?: number;
  /** When to delete the prefixes once more after renders were stopped. */
  sweepAgainMs?: number;
  now?: () => Date;
}

export class OrganizationDeletion {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly lifecycle: RenderLifecycle,
    private readonly store: ObjectStore,
    private readonly options: OrganizationDeletionOptions,
  ) {}

  async delete(owner: Principal & { kind: 'user' }, confirm: string): Promise<{ erasedUsers: number }> {
    const profile = await this.organizations.profile(owner.organizationId);
    if (!profile) throw new ApiError('CUTLINE_NOT_FOUND', 'The organization no longer exists.');
    if (confirm.trim() !== profile.slug)
      throw new ApiError('CUTLINE_VALIDATION_FAILED', `Type the organization’s address, ${profile.slug}, to confirm.`, [
        { field: 'confirm', message: 'does not match the organization’s address' },
      ]);
    const now = this.options.now ?? (() => new Date());
    const id = owner.organizationId;
    const { activeRenders, openUploads, stripeCustomerId } = await this.organizations.leftovers(id);
    if (stripeCustomerId) await this.options.closeBilling(stripeCustomerId);
    for (const renderId of activeRenders) {
      await this.lifecycle.cancel(renderId, now(), DELETED, { organizationId: id });
      this.options.stopRender?.(renderId);
    }
    await this.settle(activeRenders);
    for (const upload of openUploads)
      await this.store.abortMultipart(assetUploadKey(id, upload.id), upload.multipartUpload).catch(() => undefined);
    const result = await this.organizations.erase(id, now());
    this.options.credentialsChanged?.(id);
    await this.deleteObjects(id);
    // A render pod elsewhere that was writing when it was told to stop may still add a file:
    // look once more when it must be gone.
    if (activeRenders.length > 0) {
      const again = setTimeout(
        () => void this.deleteObjects(id).catch(() => undefined),
        this.options.sweepAgainMs ?? 120_000,
      );
      again.unref();
    }
    return result;
  }

  private async deleteObjects(organizationId: string): Promise<void> {
    await this.store.deletePrefix(`orgs/${organizationId}/`);
    await this.store.deletePrefix(`${UPLOADS_PREFIX}${organizationId}/`);
  }

  /** Waits (bounded) until the cancels are published, so dispatchers elsewhere stop those renders. */
  private async settle(renderIds: string[]): Promise<void> {
    const deadline = Date.now() + (this.options.settleMs ?? 10_000);
    while (Date.now() < deadline && !(await this.organizations.eventsPublished(renderIds)))
      await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
