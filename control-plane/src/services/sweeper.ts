/**
 * Retention: deletes expired outputs and uploads — objects first, then the records say so —
 * marks expired renders, and prunes published events past the replay window. One sweeper at a time (a PostgreSQL advisory lock); each item
 * is independent, so a crash midway loses nothing and the next sweep carries on.
 */
import type { Database } from '../db/client.js';
import { assetObjectKeys, assetUploadKey } from '../repositories/assets-repository.js';
import { stateSubject } from '../repositories/renders-repository.js';
import type { ObjectStore } from '../storage/object-store.js';

const SWEEP_LOCK_KEY = 72_707_368_002;
const BATCH = 200;
/** Uploads that never finished (a crash mid-upload) are cleaned after this long. */
const STALE_UPLOAD_MS = 24 * 3_600_000;
/**
 * Published events stay this long for SSE clients that reconnect with Last-Event-ID
 * (repositories/events-repository.ts); a client away longer reloads the render instead.
 */
export const EVENT_REPLAY_MS = 24 * 3_600_000;

export interface SweepResult {
  outputsDeleted: number;
  rendersExpired: number;
  assetsDeleted: number;
  eventsPruned: number;
  skipped: boolean;
}

export class Sweeper {
  constructor(
    private readonly db: Database,
    private readonly store: ObjectStore,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  async sweep(now: Date = new Date()): Promise<SweepResult> {
    const result: SweepResult = { outputsDeleted: 0, rendersExpired: 0, assetsDeleted: 0, eventsPruned: 0, skipped: false };
    // A transaction-level advisory lock: held for exactly the sweep, released even on a crash.
    return this.db.$transaction(
      async (tx) => {
        const [lock] = await tx.$queryRaw<Array<{ locked: boolean }>>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK_KEY}) AS locked`;
        if (!lock?.locked) return { ...result, skipped: true };

        for (;;) {
          const outputs = await tx.renderOutput.findMany({ where: { deletedAt: null, expiresAt: { lte: now } }, take: BATCH, select: { id: true, objectKey: true } });
          for (const output of outputs) {
            await this.store.delete(output.objectKey);
            await tx.renderOutput.update({ where: { id: output.id }, data: { deletedAt: now } });
          }
          result.outputsDeleted += outputs.length;
          if (outputs.length < BATCH) break;
        }

        const expired = await tx.$queryRaw<Array<{ id: string; organization_id: string }>>`
          UPDATE renders SET state = 'expired' WHERE state = 'succeeded' AND expires_at <= ${now} RETURNING id::text, organization_id::text`;
        for (const render of expired) {
          await tx.outboxEvent.create({ data: { subject: stateSubject(render.id), payload: { type: 'state', renderId: render.id, organizationId: render.organization_id, state: 'expired', at: now.toISOString() } } });
        }
        result.rendersExpired = expired.length;

        // Expired uploads go, unless a render still waiting or running needs them.
        const staleBefore = new Date(now.getTime() - STALE_UPLOAD_MS);
        const assets = await tx.asset.findMany({
          where: {
            deletedAt: null,
            OR: [{ expiresAt: { lte: now } }, { status: { in: ['uploading', 'rejected'] }, createdAt: { lte: staleBefore } }],
            renders: { none: { state: { in: ['queued', 'admitted', 'running'] } } },
          },
          take: 1000,
          select: { id: true, organizationId: true, multipartUpload: true },
        });
        for (const asset of assets) {
          if (asset.multipartUpload) await this.store.abortMultipart(assetUploadKey(asset.organizationId, asset.id), asset.multipartUpload);
          for (const key of assetObjectKeys(asset)) await this.store.delete(key);
          await tx.asset.update({ where: { id: asset.id }, data: { status: 'expired', deletedAt: now } });
        }
        result.assetsDeleted = assets.length;

        // Unpublished events stay whatever their age: the relay has yet to send them.
        result.eventsPruned = await tx.$executeRaw`DELETE FROM outbox_events WHERE published_at < ${new Date(now.getTime() - EVENT_REPLAY_MS)}`;
        if (result.outputsDeleted + result.rendersExpired + result.assetsDeleted + result.eventsPruned > 0) {
          this.log(`sweep: ${result.outputsDeleted} outputs and ${result.assetsDeleted} uploads deleted, ${result.rendersExpired} renders expired, ${result.eventsPruned} published events pruned`);
        }
        return result;
      },
      { timeout: 10 * 60_000, maxWait: 10_000 },
    );
  }
}
