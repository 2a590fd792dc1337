/**
 * /v1/webhooks: an organization's endpoints (admins and owners manage them), the signing
 * secret shown once at creation and on rotation, the delivery log with each attempt, and
 * redelivery.
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, principalOf, requireUser, type Guard } from '../http/authenticate.js';
import { ApiError, notFound } from '../errors.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { WebhookDelivery, WebhookEndpoint, WebhooksRepository } from '../repositories/webhooks-repository.js';
import { newWebhookSecret, WEBHOOK_EVENT_TYPES } from '../webhooks/signing.js';
import { MAX_WEBHOOK_URL_LENGTH, TargetGuard, WebhookTargetError } from '../webhooks/target-guard.js';

const EventType = Type.Union(WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t)));
const EndpointView = Type.Object({
  id: Uuid,
  url: Type.String(),
  description: Type.String(),
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  failingSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
const WithSecret = Type.Intersect([
  EndpointView,
  Type.Object({ secret: Type.String({ description: 'The signing secret; shown only now' }) }),
]);
const DeliveryView = Type.Object({
  id: Uuid,
  eventType: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastLatencyMs: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const endpointView = (e: WebhookEndpoint) => ({
  ...e,
  disabledAt: iso(e.disabledAt),
  failingSince: iso(e.failingSince),
  createdAt: e.createdAt.toISOString(),
});
const deliveryView = (d: WebhookDelivery) => ({
  id: d.id,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: iso(d.nextAttemptAt),
  lastStatusCode: d.lastStatusCode,
  lastLatencyMs: d.lastLatencyMs,
  lastError: d.lastError,
  createdAt: d.createdAt.toISOString(),
  finishedAt: iso(d.finishedAt),
});

const Url = Type.String({
  minLength: 1,
  maxLength: MAX_WEBHOOK_URL_LENGTH + 1,
  description: 'http(s) URL of a public host',
});
const Description = Type.String({ maxLength: 500 });
const EventTypes = Type.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true });

export const webhookRoutes: FastifyPluginAsyncTypebox<{
  webhooks: WebhooksRepository;
  guard: TargetGuard;
  authenticate: Guard;
  /** Wakes the deliverer after a redelivery. */
  delivered?: () => void;
  now?: () => Date;
}> = async (app, { webhooks, guard, authenticate, delivered, now = () => new Date() }) => {
  const admin = allOf(app, [authenticate, requireUser('admin')]);
  const org = (request: Parameters<typeof principalOf>[0]) => principalOf(request).organizationId;
  /** The URL is refused with its field when it is not http(s), too long or private. */
  const checkUrl = async (url: string) => {
    try {
      await guard.check(url);
    } catch (err) {
      if (err instanceof WebhookTargetError)
        throw new ApiError('CUTLINE_VALIDATION_FAILED', `The webhook URL ${err.message}.`, [
          { field: 'url', message: err.message },
        ]);
      throw err;
    }
  };
  const found = async (request: Parameters<typeof principalOf>[0], id: string) => {
    const endpoint = await webhooks.find(org(request), id);
    if (!endpoint) throw notFound('Webhook endpoint');
    return endpoint;
  };

  app.get(
    '/v1/webhooks',
    {
      onRequest: admin,
      schema: {
        tags: ['webhooks'],
        summary: 'Webhook endpoints of the organization',
        response: { 200: Type.Array(EndpointView), ...errorResponses },
      },
    },
    async (request) => (await webhooks.list(org(request))).map(endpointView),
  );

  app.get(
    '/v1/webhooks/event-types',
    {
      onRequest: admin,
      schema: {
        tags: ['webhooks'],
        summary: 'The events an endpoint can take',
        response: { 200: Type.Array(Type.String()), ...errorResponses },
      },
    },
    async () => [...WEBHOOK_EVENT_TYPES],
  );

  app.post(
    '/v1/webhooks',
    {
      onRequest: admin,
      schema: {
        tags: ['webhooks'],
        summary: 'Add an endpoint; the answer holds its signing secret, shown only this once',
        body: Type.Object(
          { url: Url, description: Type.Optional(Description), eventTypes: EventTypes },
          { additionalProperties: false },
        ),
        response: { 201: WithSecret, ...errorResponses },
      },
    },
    async (request, reply) => {
      await checkUrl(request.body.url);
      const secret = newWebhookSecret();
      const created = await webhooks.create(org(request), {
        url: request.body.url,
        description: request.body.description ?? '',
        eventTypes: request.body.eventTypes,
        secret,
      });
      if (created === 'limit')
        throw new ApiError('CUTLINE_PLAN_LIMIT', 'An organization can have at most 20 endpoints.');
      return reply.status(201).send({ ...endpointView(created), secret });
    },
  );

  app.patch(
    '/v1/webhooks/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['webhooks'],
        summary: 'Change an endpoint; enabling it again clears its failures',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          {
            url: Type.Optional(Url),
            description: Type.Optional(Description),
            eventTypes: Type.Optional(EventTypes),
            enabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: EndpointView, ...errorResponses },
      },
    },
    async (request) => {
      await found(request, request.params.id);
      if (request.body.url !== undefined) await checkUrl(request.body.url);
      const updated = await webhooks.update(org(request), request.params.id, request.body);
      if (!updated) throw notFound('Webhook endpoint');
      return endpointView(updated);
    },
  );

  app.post(
    '/v1/webhooks/:id/rotate-secret',
    {
      onRequest: admin,
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret; the new one is shown only now',
        params: Type.Object({ id: Uuid }),
        response: { 200: WithSecret, ...errorResponses },
      },
    },
    async (request) => {
      const endpoint = await found(request, request.params.id);
      const secret = newWebhookSecret();
      if (!(await webhooks.rotateSecret(org(request), endpoint.id, secret))) throw notFound('Webhook endpoint');
      return { ...endpointView(endpoint), secret };
    },
  );

  app.delete(
    '/v1/webhooks/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['webhooks'],
        summary: 'Remove an endpoint and its delivery log',
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!(await webhooks.remove(org(request), request.params.id))) throw notFound('Webhook endpoint');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      onRequest: admin,
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log of an endpoint, newest first',
        params: Type.Object({ id: Uuid }),
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          before: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: { 200: Type.Array(DeliveryView), ...errorResponses },
      },
    },
    async (request) => {
      await found(request, request.params.id);
      const before = request.query.before ? new Date(request.query.before) : undefined;
      return (await webhooks.deliveries(org(request), request.params.id, request.query.limit ?? 50, before)).map(
        deliveryView,
      );
    },
  );

  app.get(
    '/v1/webhooks/:id/deliveries/:deliveryId',
    {
      onRequest: admin,
      schema: {
        tags: ['webhooks'],
        summary: 'One delivery with its payload and every attempt',
        params: Type.Object({ id: Uuid, deliveryId: Uuid }),
        response: {
          200: Type.Intersect([
            DeliveryView,
            Type.Object({
              payload: Type.Unknown(),
              attemptLog: Type.Array(
                Type.Object({
                  attempt: Type.Integer(),
                  statusCode: Type.Union([Type.Integer(), Type.Null()]),
                  latencyMs: Type.Integer(),
                  error: Type.Union([Type.String(), Type.Null()]),
                  at: Type.String({ format: 'date-time' }),
                }),
              ),
            }),
          ]),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const delivery = await webhooks.delivery(org(request), request.params.id, request.params.deliveryId);
      if (!delivery) throw notFound('Delivery');
      return {
        ...deliveryView(delivery),
        payload: delivery.payload,
        attemptLog: delivery.attemptLog.map((a) => ({ ...a, at: a.at.toISOString() })),
      };
    },
  );

  app.post(
    '/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      onRequest: admin,
      schema: {
        tags: ['webhooks'],
        summary: 'Send a finished delivery again now (same webhook-id, so receivers can de-duplicate)',
        params: Type.Object({ id: Uuid, deliveryId: Uuid }),
        response: { 202: Type.Object({ queued: Type.Literal(true) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const endpoint = await found(request, request.params.id);
      if (!endpoint.enabled)
        throw new ApiError('CUTLINE_CONFLICT', 'The endpoint is disabled; enable it before redelivering.');
      if (!(await webhooks.delivery(org(request), endpoint.id, request.params.deliveryId))) throw notFound('Delivery');
      if (!(await webhooks.redeliver(org(request), endpoint.id, request.params.deliveryId, now())))
        throw new ApiError('CUTLINE_CONFLICT', 'That delivery is still being sent.');
      delivered?.();
      return reply.status(202).send({ queued: true as const });
    },
  );
};
