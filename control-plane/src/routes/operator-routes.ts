/**
 * /v1/admin: the operators' console. Every route needs a signed-in platform admin
 * (users.is_platform_admin, granted with `control-plane admin grant`); API keys never qualify.
 * Acting on a render (retry, cancel) is done as the render's own organization, so quota,
 * refunds and the activity log follow the same rules as when its owners do it.
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PLAN_IDS, type PlanId, type Principal } from '../domain.js';
import { allOf, principalOf, requirePlatformAdmin, type Guard } from '../http/authenticate.js';
import { ApiError, notFound } from '../errors.js';
import { errorResponses, ListQuery, Nullable, Uuid } from '../http/schemas.js';
import { parseListParams, sendPage, stringFilter, uuidFilter } from '../http/simple-rest.js';
import type { OperatorRepository, OrganizationSummary } from '../repositories/operator-repository.js';
import { LISTS, RENDER_STATES, RenderView, type RenderState } from '@cutline/contract';
import type { OrganizationPlans } from '../services/organization-plan.js';
import type { RenderSubmissions } from '../services/render-submissions.js';
import { checkDependencies, type ReadinessChecks } from './health-routes.js';
import { renderView } from './render-routes.js';

const Plan = Type.Union(PLAN_IDS.map((p) => Type.Literal(p)));

const OrganizationView = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  plan: Type.String(),
  suspended: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  members: Type.Integer(),
  rendersThisPeriod: Type.Integer(),
  renderedSeconds: Type.Number(),
  subscriptionStatus: Nullable(Type.String()),
});

const UserView = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  isPlatformAdmin: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  organizations: Type.Array(Type.Object({ id: Uuid, name: Type.String(), role: Type.String() })),
});

const SystemView = Type.Object({
  launcher: Type.String(),
  dependencies: Type.Record(Type.String(), Type.String()),
  byTier: Type.Array(Type.Object({ tier: Type.String(), queued: Type.Integer(), running: Type.Integer() })),
  failedLastHour: Type.Integer(),
  succeededLastHour: Type.Integer(),
  oldestQueuedAt: Nullable(Type.String({ format: 'date-time' })),
  organizationsDeleted30d: Type.Integer(),
  throughput: Type.Array(
    Type.Object({
      hour: Type.String({ format: 'date-time' }),
      succeeded: Type.Integer(),
      failed: Type.Integer(),
      realtimeFactor: Nullable(Type.Number()),
    }),
  ),
});

const AdminRenderView = Type.Intersect([RenderView, Type.Object({ organizationId: Uuid })]);

const organizationView = (o: OrganizationSummary) => ({ ...o, createdAt: o.createdAt.toISOString() });

const tags = ['operators'];

export interface OperatorRoutesOptions {
  operator: OperatorRepository;
  submissions: RenderSubmissions;
  organizationPlans: OrganizationPlans;
  authenticate: Guard;
  launcher: string;
  checks: ReadinessChecks;
  /** Told of a plan change or suspension here before it is answered (http/api-key-cache.ts). */
  credentialsChanged?: (organizationId: string) => void;
  now?: () => Date;
}

/** Organizations: list, one, and plan or suspension changes. */
const organizationRoutes: FastifyPluginAsyncTypebox<OperatorRoutesOptions> = async (
  app,
  { authenticate, operator, credentialsChanged, now = () => new Date() },
) => {
  const operatorOnly = allOf(app, [authenticate, requirePlatformAdmin()]);

  app.get(
    '/v1/admin/organizations',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Every organization with its plan, members and this period’s use (filter {q, plan, suspended})',
        querystring: ListQuery,
        response: { 200: Type.Array(OrganizationView), ...errorResponses },
      },
    },
    async (request, reply) => {
      const params = parseListParams(request.query, LISTS.organizations);
      const suspended = params.filter.suspended;
      if (suspended !== undefined && typeof suspended !== 'boolean')
        throw new ApiError('CUTLINE_VALIDATION_FAILED', 'filter.suspended must be true or false.', [
          { field: 'filter.suspended', message: 'is invalid' },
        ]);
      const { items, total } = await operator.listOrganizations(
        {
          offset: params.offset,
          limit: params.limit,
          q: stringFilter(params.filter, 'q'),
          plan: stringFilter(params.filter, 'plan', PLAN_IDS) as PlanId | undefined,
          suspended,
        },
        now(),
      );
      return sendPage(reply, 'organizations', params.offset, items.map(organizationView), total);
    },
  );

  app.get(
    '/v1/admin/organizations/:id',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'One organization',
        params: Type.Object({ id: Uuid }),
        response: { 200: OrganizationView, ...errorResponses },
      },
    },
    async (request) => {
      const organization = await operator.findOrganization(request.params.id, now());
      if (!organization) throw notFound('Organization');
      return organizationView(organization);
    },
  );

  app.patch(
    '/v1/admin/organizations/:id',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Change an organization’s plan or suspend it (a suspended organization cannot submit renders)',
        description:
          'A live Stripe subscription still governs a subscriber’s plan; this sets the plan that applies without one.',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          { plan: Type.Optional(Plan), suspended: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: OrganizationView, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new ApiError('CUTLINE_FORBIDDEN', 'This is for platform operators.');
      const changed = await operator.updateOrganization(request.params.id, request.body, now(), principal.userId);
      if (!changed) throw notFound('Organization');
      credentialsChanged?.(request.params.id);
      const organization = (await operator.findOrganization(request.params.id, now()))!;
      return organizationView(organization);
    },
  );
};

/** Users across organizations. */
const userRoutes: FastifyPluginAsyncTypebox<OperatorRoutesOptions> = async (app, { authenticate, operator }) => {
  const operatorOnly = allOf(app, [authenticate, requirePlatformAdmin()]);

  app.get(
    '/v1/admin/users',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Every user and the organizations they belong to (filter {q, organizationId})',
        querystring: ListQuery,
        response: { 200: Type.Array(UserView), ...errorResponses },
      },
    },
    async (request, reply) => {
      const params = parseListParams(request.query, LISTS.users);
      const { items, total } = await operator.listUsers({
        offset: params.offset,
        limit: params.limit,
        q: stringFilter(params.filter, 'q'),
        organizationId: uuidFilter(params.filter, 'organizationId'),
      });
      return sendPage(
        reply,
        'users',
        params.offset,
        items.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })),
        total,
      );
    },
  );
};

/** Every organization's renders, and retry or cancel as their organization. */
const allRenderRoutes: FastifyPluginAsyncTypebox<OperatorRoutesOptions> = async (
  app,
  { authenticate, operator, submissions, organizationPlans },
) => {
  const operatorOnly = allOf(app, [authenticate, requirePlatformAdmin()]);
  /** The operator, acting inside the render's organization. */
  const actingIn = (principal: Principal, organizationId: string): Principal => {
    if (principal.kind !== 'user') throw new ApiError('CUTLINE_FORBIDDEN', 'This is for platform operators.');
    return { ...principal, organizationId, role: 'owner' };
  };

  app.get(
    '/v1/admin/renders',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Renders of every organization (filter {state, tier, organizationId, q})',
        querystring: ListQuery,
        response: { 200: Type.Array(AdminRenderView), ...errorResponses },
      },
    },
    async (request, reply) => {
      const params = parseListParams(request.query, LISTS['all-renders']);
      const { items, total } = await operator.listRenders({
        ...params,
        state: stringFilter(params.filter, 'state', RENDER_STATES) as RenderState | undefined,
        tier: stringFilter(params.filter, 'tier', PLAN_IDS) as PlanId | undefined,
        organizationId: uuidFilter(params.filter, 'organizationId'),
        q: stringFilter(params.filter, 'q'),
      });
      return sendPage(
        reply,
        'renders',
        params.offset,
        items.map((r) => ({ ...renderView(r), organizationId: r.organizationId })),
        total,
      );
    },
  );

  for (const action of ['retry', 'cancel'] as const) {
    app.post(
      `/v1/admin/renders/:id/${action}`,
      {
        onRequest: operatorOnly,
        schema: {
          tags,
          summary:
            action === 'retry'
              ? 'Run a failed or canceled render again, as its organization (takes one render of its quota)'
              : 'Cancel a render of any organization (its quota is refunded)',
          params: Type.Object({ id: Uuid }),
          response: { 200: AdminRenderView, ...errorResponses },
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const organizationId = await operator.organizationOfRender(id);
        if (!organizationId) throw notFound('Render');
        const principal = actingIn(principalOf(request), organizationId);
        const render =
          action === 'retry'
            ? await submissions.retry(principal, await organizationPlans.resolve(organizationId), id)
            : await submissions.cancel(principal, id);
        return { ...renderView(render), organizationId };
      },
    );
  }
};

/** The activity of every organization. */
const allActivityRoutes: FastifyPluginAsyncTypebox<OperatorRoutesOptions> = async (app, { authenticate, operator }) => {
  const operatorOnly = allOf(app, [authenticate, requirePlatformAdmin()]);

  app.get(
    '/v1/admin/activity',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Activity of every organization, newest first (filter {organizationId})',
        querystring: ListQuery,
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.String(),
              organizationId: Uuid,
              action: Type.String(),
              subjectType: Type.String(),
              subjectId: Nullable(Type.String()),
              actorUserId: Nullable(Type.String()),
              actorApiKeyId: Nullable(Type.String()),
              data: Type.Unknown(),
              createdAt: Type.String({ format: 'date-time' }),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const params = parseListParams(request.query, LISTS['all-activity']);
      const { items, total } = await operator.listActivity({
        offset: params.offset,
        limit: params.limit,
        organizationId: uuidFilter(params.filter, 'organizationId'),
      });
      return sendPage(
        reply,
        'activity',
        params.offset,
        items.map((a) => ({ ...a, createdAt: a.createdAt.toISOString() })),
        total,
      );
    },
  );
};

/** Queues, throughput and dependency health. */
const systemRoutes: FastifyPluginAsyncTypebox<OperatorRoutesOptions> = async (
  app,
  { authenticate, operator, launcher, checks, now = () => new Date() },
) => {
  const operatorOnly = allOf(app, [authenticate, requirePlatformAdmin()]);

  app.get(
    '/v1/admin/system',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary:
          'Queue depth and running renders by tier, failures in the last hour, hourly throughput and realtime factor, dependency health',
        response: { 200: SystemView, ...errorResponses },
      },
    },
    async (request) => {
      const [snapshot, dependencies] = await Promise.all([
        operator.system(now()),
        checkDependencies(checks, request.log),
      ]);
      return { launcher, dependencies, ...snapshot };
    },
  );
};

export const operatorRoutes: FastifyPluginAsyncTypebox<OperatorRoutesOptions> = async (app, options) => {
  for (const routes of [organizationRoutes, userRoutes, allRenderRoutes, allActivityRoutes, systemRoutes])
    await app.register(routes, options);
};
