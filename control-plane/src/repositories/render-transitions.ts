/**
 * The render state machine's transitions after submission (DESIGN §4):
 * queued → admitted → running → succeeded | failed, and back to queued for a retry or after a
 * crash. Each is one statement guarded by the expected state, with its outbox event in the
 * same transaction; quota is committed or refunded in that transaction too.
 */
import { LAUNCHER_LOCK_CLASS } from '../launcher/launcher-lease.js';
import { KUBERNETES_LAUNCHER_ID } from '../launcher/launcher.js';
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { PlanTable } from '../plans.js';
import { stateSubject, type RenderState } from './renders-repository.js';
import type { UsageRepository } from './usage-repository.js';

export interface AdmittedRender {
  id: string;
  organizationId: string;
  tier: string;
  spec: unknown;
  attempts: number;
}

export interface OutputFile {
  kind: 'video' | 'thumbnail' | 'srt' | 'vtt' | 'words' | 'manifest';
  name: string;
  aspect?: string | undefined;
  objectKey: string;
  bytes: number;
  width?: number | undefined;
  height?: number | undefined;
}

export class RenderTransitions {
  constructor(
    private readonly db: Database,
    private readonly usage: UsageRepository,
    private readonly plans: PlanTable,
  ) {}

  /**
   * Admits the next queued render: highest tier priority first, then the organization with
   * the fewest renders in flight (fair share), then the oldest — skipping organizations at
   * their plan's concurrency. SKIP LOCKED lets several dispatchers run at once.
   */
  async admitNext(now: Date, launcherId: string): Promise<AdmittedRender | undefined> {
    const limits = Object.values(this.plans)
      .map((p) => `('${p.id}'::"PlanId", ${Math.trunc(p.concurrency)})`)
      .join(', ');
    return this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<AdmittedRender[]>(`
        WITH in_flight AS (
          SELECT organization_id, count(*)::int AS n FROM renders WHERE state IN ('admitted', 'running') GROUP BY organization_id
        ), limits(tier, concurrency) AS (VALUES ${limits})
        SELECT r.id::text AS id, r.organization_id::text AS "organizationId", r.tier::text AS tier, r.spec, r.attempts
          FROM renders r
          JOIN limits l ON l.tier = r.tier
          LEFT JOIN in_flight f ON f.organization_id = r.organization_id
         WHERE r.state = 'queued' AND coalesce(f.n, 0) < l.concurrency
         ORDER BY r.priority DESC, coalesce(f.n, 0) ASC, r.queued_at ASC
         LIMIT 1
         FOR UPDATE OF r SKIP LOCKED`);
      const render = rows[0];
      if (!render) return undefined;
      await tx.$executeRaw`UPDATE renders SET state = 'admitted', admitted_at = ${now}, attempts = attempts + 1, progress = 0, stage = NULL, launcher_id = ${launcherId} WHERE id = ${render.id}::uuid AND state = 'queued'`;
      await tx.outboxEvent.create({
        data: {
          subject: stateSubject(render.id),
          payload: {
            type: 'state',
            renderId: render.id,
            organizationId: render.organizationId,
            state: 'admitted',
            at: now.toISOString(),
          },
        },
      });
      return { ...render, attempts: render.attempts + 1 };
    });
  }

  /** Moves a render between states if it is in `from`; false when it was not (a lost race). */
  async move(
    id: string,
    from: RenderState[],
    to: RenderState,
    now: Date,
    fields: { errorCode?: string; errorMessage?: string; reason?: string } = {},
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<{ organization_id: string; usage_period_id: string | null }>>`
        UPDATE renders SET state = ${to}::"RenderState",
               started_at = CASE WHEN ${to} = 'running' THEN ${now} ELSE started_at END,
               finished_at = CASE WHEN ${to} IN ('failed', 'canceled') THEN ${now} ELSE finished_at END,
               error_code = ${fields.errorCode ?? null}, error_message = ${fields.errorMessage ?? null},
               launcher_id = CASE WHEN ${to} = 'queued' THEN NULL ELSE launcher_id END
         WHERE id = ${id}::uuid AND state::text = ANY(${from})
        RETURNING organization_id::text, usage_period_id::text`;
      const row = rows[0];
      if (!row) return false;
      if ((to === 'failed' || to === 'canceled') && row.usage_period_id)
        await this.usage.refund(tx, row.usage_period_id);
      await tx.outboxEvent.create({
        data: {
          subject: stateSubject(id),
          payload: {
            type: 'state',
            renderId: id,
            organizationId: row.organization_id,
            state: to,
            ...(fields.reason ? { reason: fields.reason } : {}),
            ...(fields.errorCode ? { error: { code: fields.errorCode, message: fields.errorMessage ?? '' } } : {}),
            at: now.toISOString(),
          },
        },
      });
      return true;
    });
  }

  async progress(id: string, progress: number, stage: string): Promise<void> {
    await this.db.render.updateMany({ where: { id, state: 'running' }, data: { progress, stage } });
  }

  /** running → succeeded: records the outputs, sets their expiry, commits the quota. */
  async succeed(id: string, outputs: OutputFile[], durationSeconds: number, now: Date): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const render = await tx.render.findUnique({
        where: { id },
        select: { organizationId: true, tier: true, usagePeriodId: true },
      });
      if (!render) return false;
      const expiresAt = new Date(now.getTime() + this.plans[render.tier].retentionDays * 86_400_000);
      const updated = await tx.render.updateMany({
        where: { id, state: 'running' },
        data: { state: 'succeeded', finishedAt: now, progress: 1, stage: null, durationSeconds, expiresAt },
      });
      if (updated.count !== 1) return false;
      await tx.renderOutput.createMany({
        data: outputs.map((o) => ({
          id: randomUUID(),
          renderId: id,
          kind: o.kind,
          name: o.name,
          aspect: o.aspect ?? null,
          objectKey: o.objectKey,
          bytes: BigInt(o.bytes),
          width: o.width ?? null,
          height: o.height ?? null,
          expiresAt,
        })),
      });
      if (render.usagePeriodId) {
        await this.usage.commit(tx, render.usagePeriodId, durationSeconds);
        if (this.plans[render.tier].overage) await this.usage.recordOverage(tx, render.usagePeriodId, id);
      }
      await tx.outboxEvent.create({
        data: {
          subject: stateSubject(id),
          payload: {
            type: 'state',
            renderId: id,
            organizationId: render.organizationId,
            state: 'succeeded',
            durationSeconds,
            at: now.toISOString(),
          },
        },
      });
      return true;
    });
  }

  /**
   * Renders admitted by a launcher that is gone (its advisory lock is free: the process died)
   * go back to the queue; those of live launchers, this one included, are left alone. Several
   * replicas may run this at once: the row locks of the UPDATE keep each render to one of them.
   */
  async requeueOrphans(now: Date, launcherId: string): Promise<number> {
    // One statement: the move and its events commit together, or neither does.
    const [result] = await this.db.$queryRaw<Array<{ count: number }>>`
      WITH moved AS (
        UPDATE renders SET state = 'queued', progress = 0, stage = NULL, launcher_id = NULL
         WHERE state IN ('admitted', 'running')
           AND launcher_id IS DISTINCT FROM ${launcherId}
           -- The cluster owns what it was given; the operator reconciles those (kubernetes-launcher.ts).
           AND launcher_id IS DISTINCT FROM ${KUBERNETES_LAUNCHER_ID}
           AND (launcher_id IS NULL OR pg_try_advisory_xact_lock(${LAUNCHER_LOCK_CLASS}::int, hashtext(launcher_id)))
        RETURNING id, organization_id
      ), announced AS (${stateEventsOfMoved('queued', now, 'requeued')} RETURNING 1)
      SELECT count(*)::int AS count FROM announced`;
    return result?.count ?? 0;
  }

  /**
   * Renders handed to Kubernetes that have no RenderJob there (the API process died between
   * admitting and creating it, or someone deleted it unseen) go back to the queue, once they
   * are older than `graceMs` so a RenderJob still being created is not mistaken for lost.
   */
  async requeueLostInCluster(now: Date, graceMs: number, inCluster: string[]): Promise<number> {
    const before = new Date(now.getTime() - graceMs);
    const [result] = await this.db.$queryRaw<Array<{ count: number }>>`
      WITH moved AS (
        UPDATE renders SET state = 'queued', progress = 0, stage = NULL, launcher_id = NULL
         WHERE state IN ('admitted', 'running') AND launcher_id = ${KUBERNETES_LAUNCHER_ID}
           AND admitted_at < ${before} AND NOT (id::text = ANY(${inCluster}))
        RETURNING id, organization_id
      ), announced AS (${stateEventsOfMoved('queued', now, 'requeued')} RETURNING 1)
      SELECT count(*)::int AS count FROM announced`;
    return result?.count ?? 0;
  }
}

/**
 * The outbox rows announcing `state` for the renders a `moved` CTE (id, organization_id) just
 * changed, as an INSERT to run in the same statement: the change and its events commit together.
 */
export function stateEventsOfMoved(state: 'queued' | 'expired', now: Date, reason?: string): Prisma.Sql {
  const extra = reason ? Prisma.sql`, 'reason', ${reason}::text` : Prisma.empty;
  return Prisma.sql`
    INSERT INTO outbox_events (subject, payload)
    SELECT 'cutline.renders.' || moved.id::text || '.state',
           jsonb_build_object('type', 'state', 'renderId', moved.id::text, 'organizationId', moved.organization_id::text, 'state', ${state}::text${extra}, 'at', ${now.toISOString()}::text)
      FROM moved`;
}
