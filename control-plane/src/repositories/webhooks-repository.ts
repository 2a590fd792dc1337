/** Webhook endpoints of an organization, their deliveries and the log of each attempt. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { Tx } from './render-states-repository.js';

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledAt: Date | null;
  disabledReason: string | null;
  failingSince: Date | null;
  createdAt: Date;
}

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface DeliveryAttempt {
  attempt: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  at: Date;
}

export interface ClaimedDelivery {
  id: string;
  organizationId: string;
  endpointId: string;
  eventType: string;
  payload: unknown;
  attempts: number;
  createdAt: Date;
  url: string;
  secret: string;
  enabled: boolean;
}

const ENDPOINT_SELECT = {
  id: true,
  url: true,
  description: true,
  eventTypes: true,
  enabled: true,
  disabledAt: true,
  disabledReason: true,
  failingSince: true,
  createdAt: true,
} as const;

const MAX_ENDPOINTS = 20;

function toDelivery(row: Omit<WebhookDelivery, 'nextAttemptAt'> & { nextAttemptAt: Date }): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    // A pending delivery's next try; a finished one has none.
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
    lastStatusCode: row.lastStatusCode,
    lastLatencyMs: row.lastLatencyMs,
    lastError: row.lastError,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}

export class WebhooksRepository {
  constructor(private readonly db: Database) {}

  async list(organizationId: string): Promise<WebhookEndpoint[]> {
    return this.db.webhookEndpoint.findMany({
      where: { organizationId },
      select: ENDPOINT_SELECT,
      orderBy: { createdAt: 'asc' },
    });
  }

  async find(organizationId: string, id: string): Promise<WebhookEndpoint | undefined> {
    return (
      (await this.db.webhookEndpoint.findFirst({ where: { id, organizationId }, select: ENDPOINT_SELECT })) ?? undefined
    );
  }

  /** False when the organization already has the most endpoints it may have. */
  async create(
    organizationId: string,
    input: { url: string; description: string; eventTypes: string[]; secret: string },
  ): Promise<WebhookEndpoint | 'limit'> {
    return this.db.$transaction(async (tx) => {
      // The organization's row lock orders concurrent creations, so the count holds.
      await tx.$executeRaw`SELECT 1 FROM organizations WHERE id = ${organizationId}::uuid FOR UPDATE`;
      if ((await tx.webhookEndpoint.count({ where: { organizationId } })) >= MAX_ENDPOINTS) return 'limit';
      return tx.webhookEndpoint.create({
        data: { id: randomUUID(), organizationId, ...input },
        select: ENDPOINT_SELECT,
      });
    });
  }

  async update(
    organizationId: string,
    id: string,
    change: Partial<{ url: string; description: string; eventTypes: string[]; enabled: boolean }>,
  ): Promise<WebhookEndpoint | undefined> {
    const data = {
      ...change,
      // Enabling again starts afresh: the failures before no longer count toward disabling.
      ...(change.enabled === true ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
    };
    const changed = await this.db.webhookEndpoint.updateMany({ where: { id, organizationId }, data });
    return changed.count === 1 ? this.find(organizationId, id) : undefined;
  }

  async rotateSecret(organizationId: string, id: string, secret: string): Promise<boolean> {
    const changed = await this.db.webhookEndpoint.updateMany({ where: { id, organizationId }, data: { secret } });
    return changed.count === 1;
  }

  async remove(organizationId: string, id: string): Promise<boolean> {
    const removed = await this.db.webhookEndpoint.deleteMany({ where: { id, organizationId } });
    return removed.count === 1;
  }

  async deliveries(
    organizationId: string,
    endpointId: string,
    limit: number,
    before?: Date,
  ): Promise<WebhookDelivery[]> {
    const rows = await this.db.webhookDelivery.findMany({
      where: { organizationId, endpointId, ...(before ? { createdAt: { lt: before } } : {}) },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
    return rows.map(toDelivery);
  }

  async delivery(
    organizationId: string,
    endpointId: string,
    id: string,
  ): Promise<(WebhookDelivery & { payload: unknown; attemptLog: DeliveryAttempt[] }) | undefined> {
    const row = await this.db.webhookDelivery.findFirst({
      where: { id, endpointId, organizationId },
      include: { attemptLog: { orderBy: { attempt: 'asc' } } },
    });
    if (!row) return undefined;
    return {
      ...toDelivery(row),
      payload: row.payload,
      attemptLog: row.attemptLog.map((a) => ({
        attempt: a.attempt,
        statusCode: a.statusCode,
        latencyMs: a.latencyMs,
        error: a.error,
        at: a.at,
      })),
    };
  }

  /** Sends a delivery again now (after the receiver was fixed); false when there is none. */
  async redeliver(organizationId: string, endpointId: string, id: string, now: Date): Promise<boolean> {
    const changed = await this.db.webhookDelivery.updateMany({
      where: { id, endpointId, organizationId, status: { not: 'pending' } },
      data: { status: 'pending', nextAttemptAt: now, finishedAt: null, createdAt: now },
    });
    return changed.count === 1;
  }

  /**
   * Queues a delivery of the event to every enabled endpoint of the organization that takes
   * its type, in the caller's transaction; an endpoint hears of one `eventKey` once.
   */
  static async enqueue(
    tx: Tx,
    organizationId: string,
    eventType: string,
    eventKey: string,
    payload: unknown,
  ): Promise<number> {
    return tx.$executeRaw`
      INSERT INTO webhook_deliveries (id, endpoint_id, organization_id, event_type, event_key, payload)
      SELECT gen_random_uuid(), e.id, e.organization_id, ${eventType}, ${eventKey}, ${JSON.stringify(payload)}::jsonb
        FROM webhook_endpoints e
       WHERE e.organization_id = ${organizationId}::uuid AND e.enabled AND ${eventType} = ANY(e.event_types)
      ON CONFLICT (endpoint_id, event_key) DO NOTHING`;
  }

  /** Due deliveries, each leased for `leaseMs` and its attempt counted (replicas share the work). */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.db.$queryRaw<ClaimedDelivery[]>`
      WITH due AS (
        SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      UPDATE webhook_deliveries d
         SET attempts = d.attempts + 1, next_attempt_at = now() + ${leaseMs} * interval '1 millisecond'
        FROM due, webhook_endpoints e
       WHERE d.id = due.id AND e.id = d.endpoint_id
      RETURNING d.id::text AS id, d.organization_id::text AS "organizationId", d.endpoint_id::text AS "endpointId",
                d.event_type AS "eventType", d.payload, d.attempts, d.created_at AS "createdAt",
                e.url, e.secret, e.enabled`;
  }

  /**
   * The outcome of one attempt: logged, and the delivery done, failed or due again at
   * `retryAt`. Returns the endpoint's first failure since its last success (none on success).
   */
  async recordAttempt(
    delivery: ClaimedDelivery,
    outcome: { statusCode: number | undefined; latencyMs: number; error: string | undefined; ok: boolean },
    retryAt: Date | undefined,
    now: Date,
  ): Promise<Date | undefined> {
    return this.db.$transaction(async (tx) => {
      await tx.webhookAttempt.create({
        data: {
          deliveryId: delivery.id,
          attempt: delivery.attempts,
          statusCode: outcome.statusCode ?? null,
          latencyMs: outcome.latencyMs,
          error: outcome.error?.slice(0, 500) ?? null,
          at: now,
        },
      });
      const common = {
        lastStatusCode: outcome.statusCode ?? null,
        lastLatencyMs: outcome.latencyMs,
        lastError: outcome.error?.slice(0, 500) ?? null,
      };
      if (outcome.ok) {
        await tx.webhookDelivery.update({
          where: { id: delivery.id },
          data: { ...common, status: 'succeeded', finishedAt: now },
        });
        await tx.webhookEndpoint.update({ where: { id: delivery.endpointId }, data: { failingSince: null } });
        return undefined;
      }
      await tx.webhookDelivery.update({
        where: { id: delivery.id },
        data: retryAt ? { ...common, nextAttemptAt: retryAt } : { ...common, status: 'failed', finishedAt: now },
      });
      const rows = await tx.$queryRaw<Array<{ since: Date }>>`
        UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ${now})
         WHERE id = ${delivery.endpointId}::uuid RETURNING failing_since AS since`;
      return rows[0]?.since;
    });
  }

  /** Disables an endpoint that kept failing and tells its admins, once. */
  async disableFailing(
    endpointId: string,
    reason: string,
    now: Date,
    tell: (tx: Tx, organizationId: string, url: string) => Promise<void>,
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<{ organizationId: string; url: string }>>`
        UPDATE webhook_endpoints SET enabled = false, disabled_at = ${now}, disabled_reason = ${reason}
         WHERE id = ${endpointId}::uuid AND enabled RETURNING organization_id::text AS "organizationId", url`;
      const row = rows[0];
      if (!row) return false;
      // What was still waiting for it fails now; it can be redelivered once the endpoint works.
      await tx.webhookDelivery.updateMany({
        where: { endpointId, status: 'pending' },
        data: { status: 'failed', finishedAt: now, lastError: 'the endpoint was disabled' },
      });
      await tell(tx, row.organizationId, row.url);
      return true;
    });
  }

  /** A delivery claimed for an endpoint that was disabled meanwhile. */
  async failDisabled(id: string, now: Date): Promise<void> {
    await this.db.webhookDelivery.update({
      where: { id },
      data: { status: 'failed', finishedAt: now, lastError: 'the endpoint is disabled' },
    });
  }
}
