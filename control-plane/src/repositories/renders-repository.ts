/**
 * Render records: insertion (for batches), lookup and lists. Their state changes are the
 * lifecycle's (lifecycle/render-lifecycle.ts, repositories/render-states-repository.ts).
 */
import { LISTS, type RenderState } from '@cutline/contract';
import type { Database } from '../db/client.js';
import type { PlanId } from '../domain.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Tx } from './render-states-repository.js';

export interface RenderRecord {
  id: string;
  organizationId: string;
  assetId: string;
  projectId: string | null;
  batchId: string | null;
  title: string | null;
  kind: 'video' | 'image';
  /** What it counts against the plan: 1 render, or the images of an image job. */
  units: number;
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
  deleteAfterDownload: boolean;
  spec: unknown;
}

export const RENDER_SELECT = {
  id: true,
  organizationId: true,
  assetId: true,
  projectId: true,
  batchId: true,
  title: true,
  kind: true,
  units: true,
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
  deleteAfterDownload: true,
  spec: true,
} as const;

export type SortField = (typeof LISTS.renders.sortable)[number];

export interface ListQuery {
  offset: number;
  limit: number;
  sort: SortField;
  order: 'asc' | 'desc';
  state?: RenderState | undefined;
  q?: string | undefined;
  batchId?: string | undefined;
  projectId?: string | undefined;
  kind?: 'video' | 'image' | undefined;
}

export class RendersRepository {
  constructor(private readonly db: Database) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  /** The render first submitted with this key, and the fingerprint of the request that made it. */
  async findByIdempotencyKey(
    organizationId: string,
    key: string,
  ): Promise<{ render: RenderRecord; fingerprint: string | null } | undefined> {
    const row = await this.db.render.findUnique({
      where: { organizationId_idempotencyKey: { organizationId, idempotencyKey: key } },
      select: { ...RENDER_SELECT, idempotencyFingerprint: true },
    });
    if (!row) return undefined;
    const { idempotencyFingerprint, ...render } = row;
    return { render: render as RenderRecord, fingerprint: idempotencyFingerprint };
  }

  async find(organizationId: string, id: string): Promise<RenderRecord | undefined> {
    const row = await this.db.render.findFirst({ where: { id, organizationId }, select: RENDER_SELECT });
    return (row as RenderRecord | null) ?? undefined;
  }

  async list(organizationId: string, query: ListQuery): Promise<{ items: RenderRecord[]; total: number }> {
    const where: Prisma.RenderWhereInput = {
      organizationId,
      ...(query.state ? { state: query.state } : {}),
      ...(query.batchId ? { batchId: query.batchId } : {}),
      ...(query.projectId ? { projectId: query.projectId } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.q ? { OR: [{ title: { contains: query.q, mode: 'insensitive' } }] } : {}),
    };
    const [rows, total] = await Promise.all([
      this.db.render.findMany({
        where,
        select: RENDER_SELECT,
        orderBy: [{ [query.sort]: query.order }, { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
      }),
      this.db.render.count({ where }),
    ]);
    return { items: rows as RenderRecord[], total };
  }

  async label(
    organizationId: string,
    id: string,
    changes: { title?: string | undefined; projectId?: string | null | undefined },
  ): Promise<RenderRecord | undefined> {
    const { count } = await this.db.render.updateMany({
      where: { id, organizationId },
      data: {
        ...(changes.title !== undefined ? { title: changes.title } : {}),
        ...(changes.projectId !== undefined ? { projectId: changes.projectId } : {}),
      },
    });
    return count === 0 ? undefined : this.find(organizationId, id);
  }

  /** How many renders there are of each state and tier (for /metrics). */
  async countsByStateAndTier(): Promise<Array<{ state: RenderState; tier: PlanId; count: number }>> {
    const rows = await this.db.render.groupBy({ by: ['state', 'tier'], _count: { _all: true } });
    return rows.map((r) => ({ state: r.state, tier: r.tier, count: r._count._all }));
  }
}

export function isUniqueViolation(err: unknown): boolean {
  // From Prisma's driver adapter (repositories/submissions-repository.ts), its own error kind.
  if (err instanceof Error && err.name === 'DriverAdapterError')
    return (err.cause as { kind?: string } | undefined)?.kind === 'UniqueConstraintViolation';
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  // P2002 from the query builder; from a raw query, the database's own code in the message.
  return err.code === 'P2002' || (err.code === 'P2010' && /\b23505\b|unique constraint/i.test(err.message));
}
