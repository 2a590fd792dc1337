/**
 * /v1/billing: the plan and subscription (any member), subscribe or change plan, the Stripe
 * Customer Portal and invoices (admins and owners); /v1/billing/webhook for Stripe; /v1/usage
 * for every limit with what is used and what remains.
 */
import Type from 'typebox';
import { PLAN_IDS } from '../domain.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { SubscriptionEvents } from '../repositories/subscription-events-repository.js';
import type { StripeGateway } from '../billing/stripe-gateway.js';
import { STRIPE_PLANS } from '../config.js';
import { allOf, principalOf, requireUser, requireVerifiedEmail, type Guard } from '../http/authenticate.js';
import { ApiError } from '../errors.js';
import { errorResponses, Nullable } from '../http/schemas.js';
import type { UsageRepository } from '../repositories/usage-repository.js';
import type { BillingService } from '../services/billing-service.js';
import type { OrganizationPlans } from '../services/organization-plan.js';
import { usageSummary } from '../services/usage-summary.js';

const DateTime = Type.String({ format: 'date-time' });

const BillingView = Type.Object({
  enabled: Type.Boolean(),
  plan: Type.String(),
  basePlan: Type.String(),
  period: Type.Object({ start: DateTime, end: DateTime }),
  subscription: Nullable(
    Type.Object({
      status: Type.String(),
      plan: Type.String(),
      currentPeriodEnd: DateTime,
      cancelAtPeriodEnd: Type.Boolean(),
      downgradeTo: Nullable(Type.String()),
      graceEndsAt: Nullable(DateTime),
    }),
  ),
  plans: Type.Array(
    Type.Object({ id: Type.String(), priceMonthlyUsd: Nullable(Type.Number()), purchasable: Type.Boolean() }),
  ),
});

const InvoiceView = Type.Object({
  id: Type.String(),
  number: Nullable(Type.String()),
  status: Nullable(Type.String()),
  currency: Type.String(),
  totalCents: Type.Integer(),
  amountDueCents: Type.Integer(),
  createdAt: DateTime,
  periodStart: DateTime,
  periodEnd: DateTime,
  hostedUrl: Nullable(Type.String()),
  pdfUrl: Nullable(Type.String()),
});

const UsageView = Type.Object({
  plan: Type.String(),
  period: Type.Object({ start: DateTime, end: DateTime }),
  renders: Type.Object({
    limit: Nullable(Type.Integer()),
    used: Type.Integer(),
    reserved: Type.Integer(),
    committed: Type.Integer(),
    remaining: Nullable(Type.Integer()),
    overage: Type.Boolean(),
  }),
  images: Type.Object({
    limit: Nullable(Type.Integer()),
    used: Type.Integer(),
    reserved: Type.Integer(),
    committed: Type.Integer(),
    remaining: Nullable(Type.Integer()),
  }),
  renderedSeconds: Type.Number(),
  concurrency: Type.Object({ limit: Type.Integer(), running: Type.Integer() }),
  storage: Type.Object({
    bytes: Type.Integer(),
    files: Type.Integer(),
    nextExpiry: Nullable(DateTime),
    retentionDays: Type.Integer(),
  }),
  limits: Type.Object({
    maxNarrationSeconds: Nullable(Type.Number()),
    maxResolution: Type.Integer(),
    batch: Type.Boolean(),
    watermark: Type.Boolean(),
    priorityClass: Type.String(),
    maxUploadBytes: Type.Integer(),
    maxSourceSeconds: Type.Number(),
    maxImagePixels: Type.Integer(),
    apiAccess: Type.Boolean(),
    apiRequestsPerMinute: Type.Integer(),
  }),
});

/** Webhook bodies are small; anything larger is not from Stripe. */
const WEBHOOK_BODY_LIMIT = 256 * 1024;

export interface BillingRoutesOptions {
  billing: BillingService;
  usage: UsageRepository;
  organizationPlans: OrganizationPlans;
  authenticate: Guard;
  /** Present with BILLING=stripe: the webhook endpoint exists only then. */
  webhooks?: { gateway: StripeGateway; events: SubscriptionEvents };
}

export const billingRoutes: FastifyPluginAsyncTypebox<BillingRoutesOptions> = async (
  app,
  { billing, usage, organizationPlans, authenticate, webhooks },
) => {
  const anyMember = allOf(app, [authenticate, requireUser('member')]);
  const admin = allOf(app, [authenticate, requireUser('admin')]);
  // Paying is for a reachable person: receipts and payment failures go to the address.
  const verifiedAdmin = allOf(app, [authenticate, requireUser('admin'), requireVerifiedEmail()]);

  app.get(
    '/v1/usage',
    {
      onRequest: authenticate,
      schema: {
        tags: ['billing'],
        summary:
          'Every plan limit with used and remaining, rendered seconds and storage held, for the current usage period',
        response: { 200: UsageView, ...errorResponses },
      },
    },
    async (request) => usageSummary(usage, organizationPlans, principalOf(request).organizationId),
  );

  app.get(
    '/v1/plans',
    {
      onRequest: authenticate,
      schema: {
        tags: ['billing'],
        summary: 'Every plan and its limits, cheapest first (to show which plan unlocks an option)',
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.String(),
              priceMonthlyUsd: Nullable(Type.Number()),
              rendersPerMonth: Nullable(Type.Integer()),
              maxNarrationSeconds: Nullable(Type.Number()),
              maxResolution: Type.Integer(),
              retentionDays: Type.Integer(),
              batch: Type.Boolean(),
              concurrency: Type.Integer(),
              watermark: Type.Boolean(),
              maxUploadBytes: Type.Number(),
              maxSourceSeconds: Type.Number(),
              overage: Type.Boolean(),
              apiAccess: Type.Boolean(),
              apiRequestsPerMinute: Type.Integer(),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async () =>
      PLAN_IDS.map((id) => {
        const {
          priceMonthlyUsd,
          rendersPerMonth,
          maxNarrationSeconds,
          maxResolution,
          retentionDays,
          batch,
          concurrency,
          watermark,
          maxUploadBytes,
          maxSourceSeconds,
          overage,
          apiAccess,
          apiRequestsPerMinute,
        } = organizationPlans.table[id];
        return {
          id,
          priceMonthlyUsd,
          rendersPerMonth,
          maxNarrationSeconds,
          maxResolution,
          retentionDays,
          batch,
          concurrency,
          watermark,
          maxUploadBytes,
          maxSourceSeconds,
          overage,
          apiAccess,
          apiRequestsPerMinute,
        };
      }),
  );

  app.get(
    '/v1/billing',
    {
      onRequest: anyMember,
      schema: {
        tags: ['billing'],
        summary: 'The plan that governs the organization, its subscription and the plans on offer',
        response: { 200: BillingView, ...errorResponses },
      },
    },
    async (request) => billing.summary(principalOf(request).organizationId),
  );

  app.post(
    '/v1/billing/checkout',
    {
      onRequest: verifiedAdmin,
      schema: {
        tags: ['billing'],
        summary:
          'Subscribe to a plan (answers a Stripe Checkout URL) or move the current subscription to it (upgrades now, downgrades at period end)',
        body: Type.Object(
          { plan: Type.Union(STRIPE_PLANS.map((p) => Type.Literal(p))) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            action: Type.Union([Type.Literal('checkout'), Type.Literal('changed')]),
            url: Type.Optional(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => billing.changePlan(principalOf(request), request.body.plan),
  );

  app.post(
    '/v1/billing/portal',
    {
      onRequest: admin,
      schema: {
        tags: ['billing'],
        summary: 'A Stripe Customer Portal link to manage payment methods, invoices and cancellation',
        response: { 200: Type.Object({ url: Type.String() }), ...errorResponses },
      },
    },
    async (request) => ({ url: await billing.portalUrl(principalOf(request)) }),
  );

  app.get(
    '/v1/billing/invoices',
    {
      onRequest: admin,
      schema: {
        tags: ['billing'],
        summary: "The organization's invoices, newest first",
        response: { 200: Type.Array(InvoiceView), ...errorResponses },
      },
    },
    async (request) => billing.invoices(principalOf(request).organizationId),
  );

  if (webhooks) await app.register(webhookRoute, webhooks);
};

/**
 * POST /v1/billing/webhook. Its own plugin so that only here the body stays raw bytes: the
 * signature covers them exactly. Forged, truncated, stale or replayed bodies change nothing
 * and leave a log line.
 */
const webhookRoute: FastifyPluginAsync<{ gateway: StripeGateway; events: SubscriptionEvents }> = async (
  app,
  { gateway, events },
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );
  app.post(
    '/v1/billing/webhook',
    {
      schema: {
        tags: ['billing'],
        summary: 'Stripe webhook (signed with STRIPE_WEBHOOK_SECRET); each event is applied once',
        security: [],
        response: { 200: Type.Object({ received: Type.Boolean(), outcome: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      const signature = request.headers['stripe-signature'];
      const body = request.body;
      if (typeof signature !== 'string' || !Buffer.isBuffer(body)) {
        request.log.warn({ reason: 'missing signature or body' }, 'stripe webhook refused');
        throw new ApiError('CUTLINE_WEBHOOK_SIGNATURE_INVALID', 'A Stripe-Signature header and a body are required.');
      }
      let event;
      try {
        event = gateway.verifyWebhook(body, signature);
      } catch (err) {
        request.log.warn({ reason: (err as Error).message, bytes: body.length }, 'stripe webhook refused');
        throw new ApiError(
          'CUTLINE_WEBHOOK_SIGNATURE_INVALID',
          'The Stripe signature does not match this body (or is too old).',
        );
      }
      const outcome = await events.apply(event);
      request.log.info({ eventId: event.id, type: event.type, outcome }, 'stripe webhook');
      return { received: true, outcome };
    },
  );
};
