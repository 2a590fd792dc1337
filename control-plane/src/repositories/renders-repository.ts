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
  id: true,
  organizationId: true,
  assetId: true,
  title: true,
  state: true,
  tier: true,
  progress: true,
  stage: true,
  errorCode: true,
  errorMessage: true,
  durationSeconds: true,
  idempotencyKey: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  expiresAt: true,
  spec: true,
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
    await tx.outboxEvent.create({
      data: {
        subject: stateSubject(id),
        payload: {
          type: 'state',
          renderId: id,
          organizationId: input.organizationId,
          state: 'queued',
          at: row.queuedAt.toISOString(),
        },
      },
    });
    return row as RenderRecord;
  }

  /** The render first submitted with this key, and the fingerprint of the request that made it. */
  async findByIdempotencyKey(
    organizationId: string,
    key: string,
  ): Promise<{ render: RenderRecord; fingerprint: string | null } | undefined> {
    const row = await this.db.render.findUnique({
      where: { organizationId_idempotencyKey: { organizationId, idempotencyKey: key } },
      select: { ...SELECT, idempotencyFingerprint: true },
    });
    if (!row) return undefined;
    const { idempotencyFingerprint, ...render } = row;
    return { render: render as RenderRecord, fingerprint: idempotencyFingerprint };
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
      this.db.render.findMany({
        where,
        select: SELECT,
        orderBy: [{ [query.sort]: query.order }, { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
      }),
      this.db.render.count({ where }),
    ]);
    return { items: rows as RenderRecord[], total };
  }

  /**
   * Cancels a render that has not finished. Returns the usage period to refund, or undefined
   * when the render is not (or no longer) cancelable — a concurrent finish wins cleanly.
   */
  async cancel(
    tx: Tx,
    organizationId: string,
    id: string,
    now: Date,
  ): Promise<{ usagePeriodId: string | null } | undefined> {
    const rows = await tx.$queryRaw<Array<{ usage_period_id: string | null }>>`
      UPDATE renders SET state = 'canceled', finished_at = ${now}, error_code = 'CUTLINE_CANCELED', error_message = 'Canceled by the user.'
       WHERE id = ${id}::uuid AND organization_id = ${organizationId}::uuid AND state IN ('queued', 'admitted', 'running')
      RETURNING usage_period_id::text`;
    const row = rows[0];
    if (!row) return undefined;
    await tx.outboxEvent.create({
      data: {
        subject: stateSubject(id),
        payload: { type: 'state', renderId: id, organizationId, state: 'canceled', at: now.toISOString() },
      },
    });
    return { usagePeriodId: row.usage_period_id };
  }
}

/** failed | canceled → queued, with a fresh quota reservation; false when the render is not retryable. */
export async function requeueForRetry(
  tx: Tx,
  organizationId: string,
  id: string,
  usagePeriodId: string,
  now: Date,
): Promise<boolean> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    UPDATE renders SET state = 'queued', queued_at = ${now}, attempts = 0, progress = 0, stage = NULL, error_code = NULL, error_message = NULL,
           admitted_at = NULL, started_at = NULL, finished_at = NULL, usage_period_id = ${usagePeriodId}::uuid
     WHERE id = ${id}::uuid AND organization_id = ${organizationId}::uuid AND state IN ('failed', 'canceled')
    RETURNING id::text`;
  if (rows.length === 0) return false;
  await tx.outboxEvent.create({
    data: {
      subject: stateSubject(id),
      payload: { type: 'state', renderId: id, organizationId, state: 'queued', reason: 'retry', at: now.toISOString() },
    },
  });
  return true;
}

export function isUniqueViolation(err: unknown): boolean {
  // From Prisma's driver adapter (repositories/submissions-repository.ts), its own error kind.
  if (err instanceof Error && err.name === 'DriverAdapterError')
    return (err.cause as { kind?: string } | undefined)?.kind === 'UniqueConstraintViolation';
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  // P2002 from the query builder; from a raw query, the database's own code in the message.
  return err.code === 'P2002' || (err.code === 'P2010' && /\b23505\b|unique constraint/i.test(err.message));
}
