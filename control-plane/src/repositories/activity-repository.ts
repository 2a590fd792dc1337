/** The activity log: who did what to which resource, per organization. */
import type { Database } from '../db/client.js';
import type { Principal } from '../domain.js';
import { Prisma } from '../generated/prisma/client.js';

type Tx = Pick<Database, 'activity'>;

export async function recordActivity(
  tx: Tx,
  principal: Principal,
  action: string,
  subject: { type: string; id?: string },
  data: Record<string, unknown> = {},
): Promise<void> {
  await tx.activity.create({
    data: {
      organizationId: principal.organizationId,
      actorUserId: principal.kind === 'user' ? principal.userId : null,
      actorApiKeyId: principal.kind === 'apiKey' ? principal.apiKeyId : null,
      action,
      subjectType: subject.type,
      subjectId: subject.id ?? null,
      data: data as object,
    },
  });
}

/** Records what a person or key did (ActivityRepository.record), for services and routes that log as they go. */
export type RecordActivity = (
  principal: Principal,
  action: string,
  subject: { type: string; id: string },
  data: Record<string, unknown>,
) => Promise<void>;

/** An entry no person or key caused (billing events from Stripe, usage alerts). */
export async function recordSystemActivity(
  tx: Tx,
  organizationId: string,
  action: string,
  subject: { type: string; id?: string },
  data: Record<string, unknown> = {},
): Promise<void> {
  await tx.activity.create({
    data: { organizationId, action, subjectType: subject.type, subjectId: subject.id ?? null, data: data as object },
  });
}

export interface ActivityEntry {
  id: string;
  action: string;
  subjectType: string;
  subjectId: string | null;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  /** Who did it, as people read it: a member's name, "API key <name>", or null for the system. */
  actorName: string | null;
  data: unknown;
  createdAt: Date;
}

export interface ActivityQuery {
  offset: number;
  limit: number;
  order?: 'asc' | 'desc' | undefined;
  /** Entries about the project itself or anything filed under it. */
  projectId?: string | undefined;
  /** Entries from this time on (exports). */
  since?: Date | undefined;
}

export async function listActivity(
  db: Database,
  organizationId: string,
  query: ActivityQuery,
): Promise<{ items: ActivityEntry[]; total: number }> {
  const conditions = [Prisma.sql`a.organization_id = ${organizationId}::uuid`];
  if (query.projectId) {
    const p = query.projectId;
    conditions.push(Prisma.sql`(
      (a.subject_type = 'project' AND a.subject_id = ${p})
      OR (a.subject_type = 'render' AND a.subject_id IN (SELECT id::text FROM renders WHERE project_id = ${p}::uuid))
      OR (a.subject_type = 'asset' AND a.subject_id IN (SELECT id::text FROM assets WHERE project_id = ${p}::uuid))
      OR (a.subject_type = 'batch' AND a.subject_id IN (SELECT id::text FROM batches WHERE project_id = ${p}::uuid)))`);
  }
  if (query.since) conditions.push(Prisma.sql`a.created_at >= ${query.since}`);
  const where = Prisma.join(conditions, ' AND ');
  const order = query.order === 'asc' ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const [rows, counted] = await Promise.all([
    db.$queryRaw<Array<Omit<ActivityEntry, 'id'> & { id: bigint }>>`
      SELECT a.id, a.action, a.subject_type AS "subjectType", a.subject_id AS "subjectId",
             a.actor_user_id::text AS "actorUserId", a.actor_api_key_id::text AS "actorApiKeyId",
             coalesce(u.name, CASE WHEN k.name IS NOT NULL THEN 'API key ' || k.name END) AS "actorName",
             a.data, a.created_at AS "createdAt"
        FROM activity a
        LEFT JOIN users u ON u.id = a.actor_user_id
        LEFT JOIN api_keys k ON k.id = a.actor_api_key_id
       WHERE ${where}
       ORDER BY a.id ${order}
       OFFSET ${query.offset} LIMIT ${query.limit}`,
    db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM activity a WHERE ${where}`,
  ]);
  return { items: rows.map((r) => ({ ...r, id: r.id.toString() })), total: counted[0]?.n ?? 0 };
}

/** The same, for callers outside a transaction of their own. */
export class ActivityRepository {
  constructor(private readonly db: Database) {}

  record(
    principal: Principal,
    action: string,
    subject: { type: string; id?: string },
    data: Record<string, unknown> = {},
  ): Promise<void> {
    return recordActivity(this.db, principal, action, subject, data);
  }

  list(organizationId: string, query: ActivityQuery) {
    return listActivity(this.db, organizationId, query);
  }
}
