/** The activity log: who did what to which resource, per organization. */
import type { Database } from '../db/client.js';
import type { Principal } from '../domain.js';

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
  data: unknown;
  createdAt: Date;
}

export async function listActivity(
  db: Database,
  organizationId: string,
  range: { offset: number; limit: number; order?: 'asc' | 'desc' },
): Promise<{ items: ActivityEntry[]; total: number }> {
  const where = { organizationId };
  const [rows, total] = await Promise.all([
    db.activity.findMany({ where, orderBy: { id: range.order ?? 'desc' }, skip: range.offset, take: range.limit }),
    db.activity.count({ where }),
  ]);
  return {
    items: rows.map((r) => ({
      id: r.id.toString(),
      action: r.action,
      subjectType: r.subjectType,
      subjectId: r.subjectId,
      actorUserId: r.actorUserId,
      actorApiKeyId: r.actorApiKeyId,
      data: r.data,
      createdAt: r.createdAt,
    })),
    total,
  };
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

  list(organizationId: string, range: { offset: number; limit: number; order?: 'asc' | 'desc' }) {
    return listActivity(this.db, organizationId, range);
  }
}
