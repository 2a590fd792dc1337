/**
 * Renders and their state machine (DESIGN §4). Every transition is one guarded statement —
 * it only applies from the expected state — and writes its outbox event in the same
 * transaction, so no state change is announced twice or lost.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { PlanId } from '../domain.js';
import { Prisma } from '../generated/prisma/client.js';

export const RENDER_STATES = ['queued', 'admitted', 'running', 'succeeded', 'failed', 'canceled', 'expired'] as const;
export type RenderState = (typeof RENDER_STATES)[number];

export interface RenderRecord {
  id: string;
  organizationId: string;
  assetId: string;
  title: string | null;
  state: RenderState;
  tier: PlanId;
  progress: number;
  stage: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  durationSeconds: number | null;
  idempotencyKey: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  expiresAt: Date | null;
  spec: unknown;
}

const SELECT = {
  id: true, organizationId: true, assetId: true, title: true, state: true, tier: true, progress: true, stage: true, errorCode: true, errorMessage: true,
  durationSeconds: true, idempotencyKey: true, queuedAt: true, startedAt: true, finishedAt: true, expiresAt: true, spec: true,
} as const;

export type Tx = Prisma.TransactionClient;

export function stateSubject(renderId: string): string {
  return `cutline.renders.${renderId}.state`;
}

export const SORTABLE = ['queuedAt', 'state', 'title', 'finishedAt'] as const;
export type SortField = (typeof SORTABLE)[number];

export interface ListQuery {
  offset: number;
  limit: number;
  sort: SortField;
  order: 'asc' | 'desc';
  state?: RenderState | undefined;
  q?: string | undefined;
  batchId?: string | undefined;
}

export class RendersRepository {
  constructor(private readonly db: Database) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  async insertQueued(
    tx: Tx,
    input: {
      id?: string;
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
    },
  ): Promise<RenderRecord> {
    const id = input.id ?? randomUUID();
    const row = await tx.render.create({ data: { ...input, id, state: 'queued' }, select: SELECT });
    await tx.outboxEvent.create({ data: { subject: stateSubject(id), payload: { type: 'state', renderId: id, organizationId: input.organizationId, state: 'queued', at: row.queuedAt.toISOString() } } });
    return row as RenderRecord;
  }

  /**
   * A submission in one statement (one round trip, atomic by itself): reserve one render of
   * the period's quota — a guarded upsert, so concurrent submissions never overshoot — then
   * insert the render, its `queued` outbox event and the activity entry. Undefined when the
   * quota is used up; nothing is written then. This is the hot path of POST /v1/renders.
   */
  async submitWithReservation(input: {
    id: string;
    organizationId: string;
    assetId: string;
    createdById: string | null;
    apiKeyId: string | null;
    title: string | null;
    tier: PlanId;
    priority: number;
    spec: object;
    idempotencyKey: string | null;
    period: { start: Date; end: Date };
    rendersLimit: number | null;
    /** Renders beyond the limit are allowed (billed as metered overage). */
    overage: boolean;
    activityData: Record<string, unknown>;
  }): Promise<(RenderRecord & { periodUsed: number }) | undefined> {
    const limit = input.rendersLimit;
    const rows = await this.db.$queryRaw<Array<RenderRecord & { tier: PlanId; periodUsed: number }>>`
      WITH reservation AS (
        INSERT INTO usage_periods AS u (id, organization_id, period_start, period_end, renders_limit, renders_reserved)
        SELECT ${randomUUID()}::uuid, ${input.organizationId}::uuid, ${input.period.start}, ${input.period.end}, ${limit}::int, 1
         WHERE ${input.overage} OR ${limit}::int IS NULL OR 1 <= ${limit}::int
        ON CONFLICT (organization_id, period_start) DO UPDATE
           SET renders_reserved = u.renders_reserved + 1, renders_limit = EXCLUDED.renders_limit
         WHERE ${input.overage} OR ${limit}::int IS NULL OR u.renders_reserved + u.renders_committed + 1 <= ${limit}::int
        RETURNING u.id, u.renders_reserved + u.renders_committed AS used
      ), render AS (
        INSERT INTO renders (id, organization_id, asset_id, created_by_id, title, state, tier, priority, spec, idempotency_key, usage_period_id)
        SELECT ${input.id}::uuid, ${input.organizationId}::uuid, ${input.assetId}::uuid, ${input.createdById}::uuid, ${input.title}, 'queued',
               ${input.tier}::"PlanId", ${input.priority}, ${JSON.stringify(input.spec)}::jsonb, ${input.idempotencyKey}, reservation.id
          FROM reservation
        RETURNING *
      ), announced AS (
        INSERT INTO outbox_events (subject, payload)
        SELECT ${stateSubject(input.id)}, jsonb_build_object('type', 'state', 'renderId', render.id::text, 'organizationId', render.organization_id::text,
               'state', 'queued', 'at', to_char(render.queued_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
          FROM render
      ), logged AS (
        INSERT INTO activity (organization_id, actor_user_id, actor_api_key_id, action, subject_type, subject_id, data)
        SELECT render.organization_id, ${input.createdById}::uuid, ${input.apiKeyId}::uuid, 'render.submitted', 'render', render.id::text, ${JSON.stringify(input.activityData)}::jsonb
          FROM render
      )
      SELECT id::text AS id, organization_id::text AS "organizationId", asset_id::text AS "assetId", title, state::text AS state, tier::text AS tier,
             progress, stage, error_code AS "errorCode", error_message AS "errorMessage", duration_seconds AS "durationSeconds",
             idempotency_key AS "idempotencyKey", queued_at AS "queuedAt", started_at AS "startedAt", finished_at AS "finishedAt",
             expires_at AS "expiresAt", spec, (SELECT used FROM reservation) AS "periodUsed"
        FROM render`;
    return rows[0];
  }

  async findByIdempotencyKey(organizationId: string, key: string): Promise<RenderRecord | undefined> {
    const row = await this.db.render.findUnique({ where: { organizationId_idempotencyKey: { organizationId, idempotencyKey: key } }, select: SELECT });
    return (row as RenderRecord | null) ?? undefined;
  }

  async find(organizationId: string, id: string): Promise<RenderRecord | undefined> {
    const row = await this.db.render.findFirst({ where: { id, organizationId }, select: SELECT });
    return (row as RenderRecord | null) ?? undefined;
  }

  async list(organizationId: string, query: ListQuery): Promise<{ items: RenderRecord[]; total: number }> {
    const where: Prisma.RenderWhereInput = {
      organizationId,
      ...(query.state ? { state: query.state } : {}),
      ...(query.batchId ? { batchId: query.batchId } : {}),
      ...(query.q ? { OR: [{ title: { contains: query.q, mode: 'insensitive' } }] } : {}),
    };
    const [rows, total] = await Promise.all([
      this.db.render.findMany({ where, select: SELECT, orderBy: [{ [query.sort]: query.order }, { id: 'asc' }], skip: query.offset, take: query.limit }),
      this.db.render.count({ where }),
    ]);
    return { items: rows as RenderRecord[], total };
  }

  /**
   * Cancels a render that has not finished. Returns the usage period to refund, or undefined
   * when the render is not (or no longer) cancelable — a concurrent finish wins cleanly.
   */
  async cancel(tx: Tx, organizationId: string, id: string, now: Date): Promise<{ usagePeriodId: string | null } | undefined> {
    const rows = await tx.$queryRaw<Array<{ usage_period_id: string | null }>>`
      UPDATE renders SET state = 'canceled', finished_at = ${now}, error_code = 'CUTLINE_CANCELED', error_message = 'Canceled by the user.'
       WHERE id = ${id}::uuid AND organization_id = ${organizationId}::uuid AND state IN ('queued', 'admitted', 'running')
      RETURNING usage_period_id::text`;
    const row = rows[0];
    if (!row) return undefined;
    await tx.outboxEvent.create({ data: { subject: stateSubject(id), payload: { type: 'state', renderId: id, organizationId, state: 'canceled', at: now.toISOString() } } });
    return { usagePeriodId: row.usage_period_id };
  }
}

/** failed | canceled → queued, with a fresh quota reservation; false when the render is not retryable. */
export async function requeueForRetry(tx: Tx, organizationId: string, id: string, usagePeriodId: string, now: Date): Promise<boolean> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    UPDATE renders SET state = 'queued', queued_at = ${now}, attempts = 0, progress = 0, stage = NULL, error_code = NULL, error_message = NULL,
           admitted_at = NULL, started_at = NULL, finished_at = NULL, usage_period_id = ${usagePeriodId}::uuid
     WHERE id = ${id}::uuid AND organization_id = ${organizationId}::uuid AND state IN ('failed', 'canceled')
    RETURNING id::text`;
  if (rows.length === 0) return false;
  await tx.outboxEvent.create({ data: { subject: stateSubject(id), payload: { type: 'state', renderId: id, organizationId, state: 'queued', reason: 'retry', at: now.toISOString() } } });
  return true;
}

export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  // P2002 from the query builder; from a raw query, the database's own code in the message.
  return err.code === 'P2002' || (err.code === 'P2010' && /\b23505\b|unique constraint/i.test(err.message));
}
