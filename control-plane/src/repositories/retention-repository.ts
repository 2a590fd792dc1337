/**
 * What the sweeper (workers/sweeper.ts) reads and marks besides outputs (outputs-repository.ts). Each call is one short statement:
 * no transaction stays open around the object-store calls between them.
 */
import { ACTIVE_STATES } from '@cutline/contract';
import { withSessionLock, type Database } from '../db/client.js';

export class RetentionRepository {
  constructor(private readonly db: Database) {}

  /** Runs `work` while holding the advisory lock `key`; undefined when another holder has it. */
  exclusively<T>(key: number, work: () => Promise<T>): Promise<T | undefined> {
    return withSessionLock(this.db, key, work);
  }

  /** Uploads past their expiry, and uploads that never finished (uploading or rejected) before `staleBefore`. */
  async expiredAssetCandidates(now: Date, staleBefore: Date, limit: number): Promise<string[]> {
    const rows = await this.db.asset.findMany({
      where: {
        deletedAt: null,
        OR: [
          { expiresAt: { lte: now } },
          { status: { in: ['uploading', 'rejected'] }, createdAt: { lte: staleBefore } },
        ],
      },
      take: limit,
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /**
   * Marks the candidates expired unless a render still waiting or running needs them, in one
   * statement, so a submission racing the sweep either sees the asset gone or keeps it.
   */
  async takeUnusedAssets(
    ids: string[],
    now: Date,
  ): Promise<Array<{ id: string; organizationId: string; multipartUpload: string | null }>> {
    return this.db.$queryRaw`
      UPDATE assets a SET status = 'expired', deleted_at = ${now}
       WHERE a.id = ANY(${ids}::uuid[]) AND a.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM renders r WHERE r.asset_id = a.id AND r.state::text = ANY(${[...ACTIVE_STATES]}))
      RETURNING a.id::text AS id, a.organization_id::text AS "organizationId", a.multipart_upload AS "multipartUpload"`;
  }

  /** Of these organization ids, the ones that exist. */
  async existingOrganizations(ids: string[]): Promise<string[]> {
    const rows = await this.db.organization.findMany({ where: { id: { in: ids } }, select: { id: true } });
    return rows.map((r) => r.id);
  }

  /** Published events older than `before`; unpublished ones stay whatever their age (the relay has yet to send them). */
  async prunePublishedEvents(before: Date): Promise<number> {
    return this.db.$executeRaw`DELETE FROM outbox_events WHERE published_at < ${before}`;
  }

  /**
   * What notifications leave behind, once done and older than `before`: processed events,
   * sent or abandoned mail, finished webhook deliveries (their attempt log goes with them).
   * What is still pending stays whatever its age.
   */
  async pruneNotifications(before: Date): Promise<number> {
    const [events, mail, deliveries] = await this.db.$transaction([
      this.db.$executeRaw`DELETE FROM notification_events WHERE processed_at < ${before}`,
      this.db.$executeRaw`DELETE FROM mail_messages WHERE status <> 'pending' AND created_at < ${before}`,
      this.db.$executeRaw`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ${before}`,
    ]);
    return events + mail + deliveries;
  }
}
