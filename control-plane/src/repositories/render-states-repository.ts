/**
 * The statements behind the render lifecycle (lifecycle/render-lifecycle.ts). Each moves a
 * render only from the states it is given, so a lost race changes nothing; the lifecycle
 * decides which states, which event and what happens to the quota.
 */
import { stateSubject } from '@cutline/render-job';
import type { RenderState, RenderStateEvent } from '@cutline/contract';
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { PlanId } from '../domain.js';
import { Prisma } from '../generated/prisma/client.js';

export type Tx = Prisma.TransactionClient;

export interface AdmittedRender {
  id: string;
  organizationId: string;
  tier: string;
  spec: unknown;
  attempts: number;
}

export interface OutputFile {
  kind: 'video' | 'image' | 'thumbnail' | 'srt' | 'vtt' | 'words' | 'manifest';
  name: string;
  aspect?: string | undefined;
  objectKey: string;
  bytes: number;
  width?: number | undefined;
  height?: number | undefined;
}

/** What a moved render's row says about whom it belongs to and what it reserved. */
export interface MovedRender {
  organizationId: string;
  tier: string;
  usagePeriodId: string | null;
  /** What it reserved: one render (video), or `units` images (image). */
  kind: 'video' | 'image';
  units: number;
}

export interface QueuedRenderInput {
  id: string;
  organizationId: string;
  assetId: string;
  createdById: string | null;
  title: string | null;
  tier: PlanId;
  priority: number;
  spec: object;
  idempotencyKey: string | null;
  usagePeriodId: string;
  batchId?: string;
  batchRow?: number;
  projectId?: string | null;
  deleteAfterDownload?: boolean;
  kind?: 'video' | 'image';
  units?: number;
}

export interface MoveFields {
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  /** Only the organization's own render moves (requests made on its behalf). */
  organizationId?: string | undefined;
  /** Set on success: when the outputs expire. */
  expiresAt?: Date | undefined;
  durationSeconds?: number | undefined;
}

// The bus subject of a render's state changes, split around its id for SQL that builds it.
const [SUBJECT_HEAD, SUBJECT_TAIL] = stateSubject('\u0000').split('\u0000') as [string, string];

function sqlText(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Outbox rows announcing `state` for the renders a CTE named `source` (id, organization_id)
 * changed, as an INSERT to run in the same statement, so the change and its events commit
 * together. SQL text without parameters (every value is ours), for statements of either kind.
 */
export function movedEventsText(
  source: string,
  state: RenderState,
  atExpression: string,
  reason?: RenderStateEvent['reason'],
): string {
  const extra = reason ? `, 'reason', ${sqlText(reason)}::text` : '';
  return `
    INSERT INTO outbox_events (subject, payload)
    SELECT ${sqlText(SUBJECT_HEAD)} || moved.id::text || ${sqlText(SUBJECT_TAIL)},
           jsonb_build_object('type', 'state', 'renderId', moved.id::text, 'organizationId', moved.organization_id::text, 'state', ${sqlText(state)}::text${extra}, 'at', ${atExpression})
      FROM ${source} AS moved`;
}

function announceMovedSql(state: RenderState, now: Date, reason?: RenderStateEvent['reason']): Prisma.Sql {
  return Prisma.raw(movedEventsText('moved', state, `${sqlText(now.toISOString())}::text`, reason));
}

export class RenderStatesRepository {
  constructor(private readonly db: Database) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  /** A new render in `state` (the queue); returns when it was queued. */
  async insert(tx: Tx, input: QueuedRenderInput, state: RenderState): Promise<Date> {
    const row = await tx.render.create({ data: { ...input, state }, select: { queuedAt: true } });
    return row.queuedAt;
  }

  /**
   * Locks the next queued render to admit: highest priority first, then the organization with
   * the fewest renders in flight (fair share), then the oldest — skipping organizations at their
   * concurrency. SKIP LOCKED lets several dispatchers run at once.
   */
  async lockNextQueued(
    tx: Tx,
    limits: ReadonlyArray<{ tier: string; concurrency: number }>,
  ): Promise<AdmittedRender | undefined> {
    const values = Prisma.join(limits.map((l) => Prisma.sql`(${l.tier}::"PlanId", ${Math.trunc(l.concurrency)}::int)`));
    const rows = await tx.$queryRaw<AdmittedRender[]>`
      WITH in_flight AS (
        SELECT organization_id, count(*)::int AS n FROM renders WHERE state IN ('admitted', 'running') GROUP BY organization_id
      ), limits(tier, concurrency) AS (VALUES ${values})
      SELECT r.id::text AS id, r.organization_id::text AS "organizationId", r.tier::text AS tier, r.spec, r.attempts
        FROM renders r
        JOIN limits l ON l.tier = r.tier
        LEFT JOIN in_flight f ON f.organization_id = r.organization_id
       WHERE r.state = 'queued' AND coalesce(f.n, 0) < l.concurrency
       ORDER BY r.priority DESC, coalesce(f.n, 0) ASC, r.queued_at ASC
       LIMIT 1
       FOR UPDATE OF r SKIP LOCKED`;
    return rows[0];
  }

  async markAdmitted(tx: Tx, id: string, now: Date, launcherId: string): Promise<void> {
    await tx.$executeRaw`UPDATE renders SET state = 'admitted', admitted_at = ${now}, attempts = attempts + 1, progress = 0, stage = NULL, launcher_id = ${launcherId} WHERE id = ${id}::uuid AND state = 'queued'`;
  }

  /** Moves one render from `from` to `to`; undefined when it was not in `from` (a lost race). */
  async move(
    tx: Tx,
    id: string,
    from: readonly RenderState[],
    to: RenderState,
    now: Date,
    fields: MoveFields = {},
  ): Promise<MovedRender | undefined> {
    const finished = to === 'failed' || to === 'canceled' || to === 'succeeded';
    const rows = await tx.$queryRaw<MovedRender[]>`
      UPDATE renders SET state = ${to}::"RenderState",
             started_at = CASE WHEN ${to} = 'running' THEN ${now} ELSE started_at END,
             finished_at = CASE WHEN ${finished} THEN ${now} ELSE finished_at END,
             progress = CASE WHEN ${to} = 'succeeded' THEN 1 WHEN ${to} = 'queued' THEN 0 ELSE progress END,
             stage = CASE WHEN ${to} IN ('succeeded', 'queued') THEN NULL ELSE stage END,
             error_code = ${fields.errorCode ?? null}, error_message = ${fields.errorMessage ?? null},
             expires_at = coalesce(${fields.expiresAt ?? null}::timestamp(3), expires_at),
             duration_seconds = coalesce(${fields.durationSeconds ?? null}::double precision, duration_seconds),
             launcher_id = CASE WHEN ${to} = 'queued' THEN NULL ELSE launcher_id END
       WHERE id = ${id}::uuid AND state::text = ANY(${from as RenderState[]})
         AND (${fields.organizationId ?? null}::uuid IS NULL OR organization_id = ${fields.organizationId ?? null}::uuid)
      RETURNING organization_id::text AS "organizationId", tier::text AS tier, usage_period_id::text AS "usagePeriodId",
                kind::text AS kind, units`;
    return rows[0];
  }

  /** The tier a render runs under, for what depends on its plan (retention). */
  async tierOf(tx: Tx, id: string): Promise<string | undefined> {
    const row = await tx.render.findUnique({ where: { id }, select: { tier: true } });
    return row?.tier;
  }

  /** A failed or canceled render back in the queue, with a fresh reservation and no trace of the last run. */
  async resetForRetry(
    tx: Tx,
    organizationId: string,
    id: string,
    from: readonly RenderState[],
    usagePeriodId: string,
    now: Date,
  ): Promise<boolean> {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      UPDATE renders SET state = 'queued', queued_at = ${now}, attempts = 0, progress = 0, stage = NULL, error_code = NULL, error_message = NULL,
             admitted_at = NULL, started_at = NULL, finished_at = NULL, usage_period_id = ${usagePeriodId}::uuid
       WHERE id = ${id}::uuid AND organization_id = ${organizationId}::uuid AND state::text = ANY(${from as RenderState[]})
      RETURNING id::text`;
    return rows.length === 1;
  }

  async recordOutputs(tx: Tx, renderId: string, outputs: OutputFile[], expiresAt: Date): Promise<void> {
    await tx.renderOutput.createMany({
      data: outputs.map((o) => ({
        id: randomUUID(),
        renderId,
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
  }

  async announce(tx: Tx, event: RenderStateEvent): Promise<void> {
    await tx.outboxEvent.create({ data: { subject: stateSubject(event.renderId), payload: event } });
  }

  async progress(id: string, progress: number, stage: string): Promise<void> {
    await this.db.render.updateMany({ where: { id, state: 'running' }, data: { progress, stage } });
  }

  /**
   * Renders admitted by a launcher that is gone (its advisory lock is free: the process died)
   * go back to the queue; those of live launchers, `launcherId` and `keep` included, are left
   * alone. The row locks of the UPDATE keep each render to one replica.
   */
  async requeueOrphans(
    now: Date,
    from: readonly RenderState[],
    launcherId: string,
    keep: string,
    lockClass: number,
    reason: RenderStateEvent['reason'],
  ): Promise<number> {
    const [result] = await this.db.$queryRaw<Array<{ count: number }>>`
      WITH moved AS (
        UPDATE renders SET state = 'queued', progress = 0, stage = NULL, launcher_id = NULL
         WHERE state::text = ANY(${from as RenderState[]})
           AND launcher_id IS DISTINCT FROM ${launcherId}
           AND launcher_id IS DISTINCT FROM ${keep}
           AND (launcher_id IS NULL OR pg_try_advisory_xact_lock(${lockClass}::int, hashtext(launcher_id)))
        RETURNING id, organization_id
      ), announced AS (${announceMovedSql('queued', now, reason)} RETURNING 1)
      SELECT count(*)::int AS count FROM announced`;
    return result?.count ?? 0;
  }

  /** Renders of `launcherId` admitted before `before` and not in `present` go back to the queue. */
  async requeueMissing(
    now: Date,
    from: readonly RenderState[],
    launcherId: string,
    before: Date,
    present: string[],
    reason: RenderStateEvent['reason'],
  ): Promise<number> {
    const [result] = await this.db.$queryRaw<Array<{ count: number }>>`
      WITH moved AS (
        UPDATE renders SET state = 'queued', progress = 0, stage = NULL, launcher_id = NULL
         WHERE state::text = ANY(${from as RenderState[]}) AND launcher_id = ${launcherId}
           AND admitted_at < ${before} AND NOT (id::text = ANY(${present}))
        RETURNING id, organization_id
      ), announced AS (${announceMovedSql('queued', now, reason)} RETURNING 1)
      SELECT count(*)::int AS count FROM announced`;
    return result?.count ?? 0;
  }

  /** Renders in `from` whose files expired by `now` move to `expired`, with their events. */
  async expireDue(now: Date, from: readonly RenderState[]): Promise<number> {
    const [row] = await this.db.$queryRaw<Array<{ count: number }>>`
      WITH moved AS (
        UPDATE renders SET state = 'expired' WHERE state::text = ANY(${from as RenderState[]}) AND expires_at <= ${now}
        RETURNING id, organization_id
      ), announced AS (${announceMovedSql('expired', now)} RETURNING 1)
      SELECT count(*)::int AS count FROM announced`;
    return row?.count ?? 0;
  }
}
