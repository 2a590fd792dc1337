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

/** What a statement of submissions shares: the organization, its usage period and plan limit. */
export interface SubmissionGroup {
  organizationId: string;
  period: { start: Date; end: Date };
  rendersLimit: number | null;
  /** Renders beyond the limit are allowed (billed as metered overage). */
  overage: boolean;
}

export interface SubmissionItem {
  id: string;
  assetId: string;
  createdById: string | null;
  apiKeyId: string | null;
  title: string | null;
  tier: PlanId;
  priority: number;
  spec: object;
  idempotencyKey: string | null;
  activityData: Record<string, unknown>;
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
   * Submissions of one organization in one statement (one round trip, atomic by itself):
   * reserve quota for as many of them as it allows, in order — the period's row is locked,
   * so concurrent statements never overshoot — then insert those renders, their `queued`
   * outbox events and activity entries. Returns one entry per submission: the render, or
   * undefined for those beyond the quota (nothing is written for them). This is the hot path
   * of POST /v1/renders (services/submission-batcher.ts groups concurrent requests into it).
   */
  async submitMany(group: SubmissionGroup, items: SubmissionItem[]): Promise<Array<(RenderRecord & { periodUsed: number }) | undefined>> {
    // The period's first statement inserts its row; one that races another's insert cannot
    // see that row in its snapshot, grants nothing and is run again (it then sees the row).
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.submitManyOnce(group, items);
      if (result) return result;
    }
    throw new Error(`usage period of organization ${group.organizationId} from ${group.period.start.toISOString()} could not be locked`);
  }

  private async submitManyOnce(group: SubmissionGroup, items: SubmissionItem[]): Promise<Array<(RenderRecord & { periodUsed: number }) | undefined> | undefined> {
    const unlimited = group.overage || group.rendersLimit === null;
    const rows = items.map((item, index) => ({
      ord: index + 1,
      id: item.id,
      subject: stateSubject(item.id),
      asset_id: item.assetId,
      created_by_id: item.createdById,
      api_key_id: item.apiKeyId,
      title: item.title,
      tier: item.tier,
      priority: item.priority,
      spec: item.spec,
      idempotency_key: item.idempotencyKey,
      activity: item.activityData,
    }));
    const result = await this.db.$queryRaw<Array<Partial<RenderRecord> & { periodUsed: number | null }>>`
      WITH fresh AS (
        INSERT INTO usage_periods (id, organization_id, period_start, period_end, renders_limit, renders_reserved)
        VALUES (${randomUUID()}::uuid, ${group.organizationId}::uuid, ${group.period.start}, ${group.period.end}, ${group.rendersLimit}::int,
                CASE WHEN ${unlimited} THEN ${items.length}::int ELSE least(${items.length}::int, ${group.rendersLimit}::int) END)
        ON CONFLICT (organization_id, period_start) DO NOTHING
        RETURNING id, 0 AS used_before, renders_reserved AS admitted
      ), locked AS (
        SELECT id, renders_reserved + renders_committed AS used_before FROM usage_periods
         WHERE organization_id = ${group.organizationId}::uuid AND period_start = ${group.period.start}
           FOR UPDATE
      ), granted AS (
        SELECT id, used_before, admitted FROM fresh
        UNION ALL
        SELECT id, used_before, CASE WHEN ${unlimited} THEN ${items.length}::int ELSE least(${items.length}::int, greatest(0, ${group.rendersLimit}::int - used_before)) END FROM locked
      ), reserved AS (
        UPDATE usage_periods u SET renders_reserved = u.renders_reserved + g.admitted, renders_limit = ${group.rendersLimit}::int
          FROM granted g WHERE u.id = g.id AND g.admitted > 0
      ), input AS (
        SELECT t.*, g.id AS usage_period_id, g.used_before + t.ord AS period_used
          FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS t(ord int, id uuid, subject text, asset_id uuid, created_by_id uuid, api_key_id uuid, title text, tier "PlanId", priority int, spec jsonb, idempotency_key text, activity jsonb)
          JOIN granted g ON t.ord <= g.admitted
      ), render AS (
        INSERT INTO renders (id, organization_id, asset_id, created_by_id, title, state, tier, priority, spec, idempotency_key, usage_period_id)
        SELECT id, ${group.organizationId}::uuid, asset_id, created_by_id, title, 'queued', tier, priority, spec, idempotency_key, usage_period_id FROM input ORDER BY ord
        RETURNING *
      ), announced AS (
        INSERT INTO outbox_events (subject, payload)
        SELECT input.subject, jsonb_build_object('type', 'state', 'renderId', render.id::text, 'organizationId', render.organization_id::text,
               'state', 'queued', 'at', to_char(render.queued_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
          FROM render JOIN input ON input.id = render.id
      ), logged AS (
        INSERT INTO activity (organization_id, actor_user_id, actor_api_key_id, action, subject_type, subject_id, data)
        SELECT render.organization_id, input.created_by_id, input.api_key_id, 'render.submitted', 'render', render.id::text, input.activity
          FROM render JOIN input ON input.id = render.id
      )
      SELECT render.id::text AS id, render.organization_id::text AS "organizationId", render.asset_id::text AS "assetId", render.title, render.state::text AS state,
             render.tier::text AS tier, render.progress, render.stage, render.error_code AS "errorCode", render.error_message AS "errorMessage",
             render.duration_seconds AS "durationSeconds", render.idempotency_key AS "idempotencyKey", render.queued_at AS "queuedAt",
             render.started_at AS "startedAt", render.finished_at AS "finishedAt", render.expires_at AS "expiresAt", render.spec, input.period_used AS "periodUsed"
        FROM granted
        LEFT JOIN input ON true
        LEFT JOIN render ON render.id = input.id`;
    if (result.length === 0) return undefined;
    const byId = new Map(result.filter((row) => row.id).map((row) => [row.id!, { ...(row as RenderRecord), periodUsed: Number(row.periodUsed) }]));
    return items.map((item) => byId.get(item.id));
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
