/** The activity log: who did what to which resource, per organization. */
import type { Database } from '../db/client.js';
import type { Principal } from '../domain.js';

type Tx = Pick<Database, 'activity'>;

export async function recordActivity(tx: Tx, principal: Principal, action: string, subject: { type: string; id?: string }, data: Record<string, unknown> = {}): Promise<void> {
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
