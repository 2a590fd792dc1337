/** /v1/renders: submit (with Idempotency-Key), list (react-admin simple-rest), get, cancel. */
import { requestTraceparent } from '../http/tracing-hooks.js';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, callerStanding, principalOf, requireScope, type Guard } from '../http/authenticate.js';
import { notFound } from '../errors.js';
import { errorResponses, ListQuery, Uuid } from '../http/schemas.js';
import { parseListParams, sendPage, stringFilter, uuidFilter } from '../http/simple-rest.js';
import type { OrganizationPlans } from '../services/organization-plan.js';
import { LISTS, RENDER_STATES, RenderView } from '@cutline/contract';
import type { RenderRecord, RendersRepository } from '../repositories/renders-repository.js';
import { RenderRequestSchema } from '../services/render-request.js';
import type { RenderSubmissions } from '../services/render-submissions.js';

export function renderView(r: RenderRecord): RenderView {
  const spec = r.spec as { formats?: string[]; voice?: { id?: string }; outputs?: Array<{ name: string }> };
  return {
    id: r.id,
    title: r.title,
    kind: r.kind,
    assetId: r.assetId,
    projectId: r.projectId,
    batchId: r.batchId,
    state: r.state,
    tier: r.tier,
    progress: r.progress,
    stage: r.stage,
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null,
    durationSeconds: r.durationSeconds,
    formats: spec.formats ?? spec.outputs?.map((o) => o.name) ?? [],
    voice: spec.voice?.id ?? '',
    deleteAfterDownload: r.deleteAfterDownload,
    queuedAt: r.queuedAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export interface RenderRoutesOptions {
  renders: RendersRepository;
  submissions: RenderSubmissions;
  organizationPlans: OrganizationPlans;
  authenticate: Guard;
}

export const renderRoutes: FastifyPluginAsyncTypebox<RenderRoutesOptions> = async (
  app,
  { renders, submissions, organizationPlans, authenticate },
) => {
  const canRead = allOf(app, [authenticate, requireScope('renders:read')]);
  const canWrite = allOf(app, [authenticate, requireScope('renders:write')]);

  app.post(
    '/v1/renders',
    {
      onRequest: canWrite,
      schema: {
        tags: ['renders'],
        summary: 'Submit a render',
        description:
          'Send an Idempotency-Key header to make retries safe: the same key returns the first render (200) instead of creating another.',
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' })),
        }),
        body: RenderRequestSchema,
        response: { 200: RenderView, 201: RenderView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const entitlement = await organizationPlans.resolve(principal.organizationId, callerStanding(request));
      const { render, created } = await submissions.submit(
        principal,
        entitlement,
        request.body,
        request.headers['idempotency-key'],
        requestTraceparent(request),
      );
      return reply.status(created ? 201 : 200).send(renderView(render));
    },
  );

  app.get(
    '/v1/renders',
    {
      onRequest: canRead,
      schema: {
        tags: ['renders'],
        summary:
          'List renders (react-admin simple-rest: sort, range, filter {state, q, batchId, projectId, kind}); total in Content-Range',
        querystring: ListQuery,
        response: { 200: Type.Array(RenderView), ...errorResponses },
      },
    },
    async (request, reply) => {
      const params = parseListParams(request.query, LISTS.renders);
      const state = stringFilter(params.filter, 'state', RENDER_STATES);
      const q = stringFilter(params.filter, 'q');
      const batchId = uuidFilter(params.filter, 'batchId');
      const { items, total } = await renders.list(principalOf(request).organizationId, {
        ...params,
        state: state as never,
        q,
        batchId,
        projectId: uuidFilter(params.filter, 'projectId'),
        kind: stringFilter(params.filter, 'kind', ['video', 'image'] as const) as 'video' | 'image' | undefined,
      });
      return sendPage(reply, 'renders', params.offset, items.map(renderView), total);
    },
  );

  app.get(
    '/v1/renders/:id',
    {
      onRequest: canRead,
      schema: {
        tags: ['renders'],
        summary: 'One render',
        params: Type.Object({ id: Uuid }),
        response: { 200: RenderView, ...errorResponses },
      },
    },
    async (request) => {
      const render = await renders.find(principalOf(request).organizationId, request.params.id);
      if (!render) throw notFound('Render');
      return renderView(render);
    },
  );

  app.patch(
    '/v1/renders/:id',
    {
      onRequest: canWrite,
      schema: {
        tags: ['renders'],
        summary: 'Rename a render, or file it under a project (null: none)',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          {
            title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            projectId: Type.Optional(Type.Union([Uuid, Type.Null()])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: RenderView, ...errorResponses },
      },
    },
    async (request) => renderView(await submissions.label(principalOf(request), request.params.id, request.body)),
  );

  app.post(
    '/v1/renders/:id/cancel',
    {
      onRequest: canWrite,
      schema: {
        tags: ['renders'],
        summary: 'Cancel a render that has not finished; its quota is refunded',
        params: Type.Object({ id: Uuid }),
        response: { 200: RenderView, ...errorResponses },
      },
    },
    async (request) => renderView(await submissions.cancel(principalOf(request), request.params.id)),
  );

  app.post(
    '/v1/renders/:id/retry',
    {
      onRequest: canWrite,
      schema: {
        tags: ['renders'],
        summary: 'Run a failed or canceled render again (takes one render of quota)',
        params: Type.Object({ id: Uuid }),
        response: { 200: RenderView, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return renderView(
        await submissions.retry(
          principal,
          await organizationPlans.resolve(principal.organizationId, callerStanding(request)),
          request.params.id,
        ),
      );
    },
  );
};
