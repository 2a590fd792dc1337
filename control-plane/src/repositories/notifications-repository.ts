/**
 * The notification events (notification_events, written by triggers in the transaction that
 * caused them) and what the notifier reads to expand them: renders, batches, recipients.
 */
import type { Database } from '../db/client.js';
import type { Tx } from './render-states-repository.js';
import { wantsMail, type NotificationKind } from '../services/preferences.js';

export interface NotificationEventRow {
  id: string;
  organizationId: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface Recipient {
  userId: string;
  email: string;
  name: string;
  preferences: unknown;
}

export interface RenderFacts {
  id: string;
  title: string | null;
  kind: 'video' | 'image';
  createdById: string | null;
  batchId: string | null;
  errorMessage: string | null;
  durationSeconds: number | null;
}

export interface BatchOutcome {
  id: string;
  name: string;
  open: number;
  succeeded: number;
  failed: number;
  canceled: number;
  createdById: string | null;
}

export class NotificationsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Claims up to `limit` unprocessed events in order (SKIP LOCKED: replicas share them), hands
   * them to `expand` in the same transaction and marks them processed; returns how many.
   */
  async processBatch(
    limit: number,
    expand: (tx: Tx, events: NotificationEventRow[]) => Promise<void>,
  ): Promise<number> {
    return this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<
        Array<{ id: bigint; organizationId: string; type: string; payload: Record<string, unknown>; createdAt: Date }>
      >`
        SELECT id, organization_id::text AS "organizationId", type, payload, created_at AS "createdAt"
          FROM notification_events WHERE processed_at IS NULL ORDER BY processed_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
      if (rows.length === 0) return 0;
      await expand(
        tx,
        rows.map((r) => ({ ...r, id: r.id.toString() })),
      );
      await tx.$executeRaw`UPDATE notification_events SET processed_at = now() WHERE id = ANY(${rows.map((r) => r.id)}::bigint[])`;
      return rows.length;
    });
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  /**
   * past_due subscriptions whose grace ends within `withinMs` and whose owners were not yet
   * told for this spell: marked told (in the caller's transaction) and returned.
   */
  static async claimGraceEnding(
    tx: Tx,
    graceMs: number,
    withinMs: number,
    now: Date,
  ): Promise<Array<{ organizationId: string; graceEnds: Date }>> {
    const rows = await tx.$queryRaw<Array<{ organizationId: string; pastDueSince: Date }>>`
      UPDATE subscriptions SET grace_reminded_for = past_due_since
       WHERE status = 'past_due' AND past_due_since IS NOT NULL
         AND past_due_since + ${graceMs} * interval '1 millisecond' > ${now}
         AND past_due_since + ${graceMs} * interval '1 millisecond' <= ${new Date(now.getTime() + withinMs)}
         AND grace_reminded_for IS DISTINCT FROM past_due_since
      RETURNING organization_id::text AS "organizationId", past_due_since AS "pastDueSince"`;
    return rows.map((r) => ({
      organizationId: r.organizationId,
      graceEnds: new Date(r.pastDueSince.getTime() + graceMs),
    }));
  }

  static async render(tx: Tx, id: string): Promise<RenderFacts | undefined> {
    const row = await tx.render.findUnique({
      where: { id },
      select: {
        id: true,
        title: true,
        kind: true,
        createdById: true,
        batchId: true,
        errorMessage: true,
        durationSeconds: true,
      },
    });
    return row ?? undefined;
  }

  /** A comment as its mention mail quotes it; undefined once deleted. */
  static async comment(
    tx: Tx,
    id: string,
  ): Promise<
    | { body: string; atSeconds: number | null; renderId: string; title: string | null; author: string | null }
    | undefined
  > {
    const rows = await tx.$queryRaw<
      Array<{ body: string; atSeconds: number | null; renderId: string; title: string | null; author: string | null }>
    >`
      SELECT c.body, c.at_seconds AS "atSeconds", c.render_id::text AS "renderId", r.title, u.name AS author
        FROM comments c JOIN renders r ON r.id = c.render_id LEFT JOIN users u ON u.id = c.author_id
       WHERE c.id = ${id}::uuid`;
    return rows[0];
  }

  /** The batch's counts by outcome; `open` counts renders still queued or under way. */
  static async batch(tx: Tx, id: string): Promise<BatchOutcome | undefined> {
    const rows = await tx.$queryRaw<Array<BatchOutcome>>`
      SELECT b.id::text AS id, b.name,
             count(*) FILTER (WHERE r.state IN ('queued', 'admitted', 'running'))::int AS open,
             count(*) FILTER (WHERE r.state IN ('succeeded', 'expired'))::int AS succeeded,
             count(*) FILTER (WHERE r.state = 'failed')::int AS failed,
             count(*) FILTER (WHERE r.state = 'canceled')::int AS canceled,
             (array_agg(r.created_by_id::text ORDER BY r.batch_row) FILTER (WHERE r.created_by_id IS NOT NULL))[1] AS "createdById"
        FROM batches b JOIN renders r ON r.batch_id = b.id
       WHERE b.id = ${id}::uuid GROUP BY b.id`;
    return rows[0];
  }

  static async users(tx: Tx, ids: string[]): Promise<Recipient[]> {
    const rows = await tx.user.findMany({
      where: { id: { in: ids } },
      select: { id: true, email: true, name: true, preferences: true },
    });
    return rows.map((u) => ({ userId: u.id, email: u.email, name: u.name, preferences: u.preferences }));
  }

  /** Of these users, the ones still members of the organization. */
  static async membersAmong(tx: Tx, organizationId: string, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await tx.membership.findMany({
      where: { organizationId, userId: { in: userIds } },
      select: { userId: true },
    });
    return rows.map((r) => r.userId);
  }

  /** Owners and admins: who hears about usage, billing and webhooks. */
  static async managers(tx: Tx, organizationId: string): Promise<Recipient[]> {
    const rows = await tx.membership.findMany({
      where: { organizationId, role: { in: ['owner', 'admin'] } },
      select: { user: { select: { id: true, email: true, name: true, preferences: true } } },
    });
    return rows.map(({ user: u }) => ({ userId: u.id, email: u.email, name: u.name, preferences: u.preferences }));
  }

  /** Owners and admins who take `kind` of mail (their preferences). */
  static async managersWanting(tx: Tx, organizationId: string, kind: NotificationKind): Promise<Recipient[]> {
    return (await NotificationsRepository.managers(tx, organizationId)).filter((m) => wantsMail(m.preferences, kind));
  }

  static async organization(tx: Tx, id: string): Promise<{ name: string; pastDueSince: Date | null } | undefined> {
    const row = await tx.organization.findUnique({
      where: { id },
      select: { name: true, subscription: { select: { pastDueSince: true } } },
    });
    return row ? { name: row.name, pastDueSince: row.subscription?.pastDueSince ?? null } : undefined;
  }
}
