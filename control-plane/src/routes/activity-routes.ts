/** GET /v1/activity: what happened in the organization (uploads, renders, downloads), newest first. */
import { LISTS } from '@cutline/contract';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, principalOf, requireUser, type Guard } from '../http/authenticate.js';
import { errorResponses, ListQuery } from '../http/schemas.js';
import { parseListParams, sendPage, uuidFilter } from '../http/simple-rest.js';
import type { ActivityRepository } from '../repositories/activity-repository.js';

export const activityRoutes: FastifyPluginAsyncTypebox<{ activity: ActivityRepository; authenticate: Guard }> = async (
  app,
  { activity, authenticate },
) => {
  const anyMember = allOf(app, [authenticate, requireUser('member')]);
  app.get(
    '/v1/activity',
    {
      onRequest: anyMember,
      schema: {
        tags: ['activity'],
        summary: 'Activity log of the organization; total in Content-Range',
        querystring: ListQuery,
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.String(),
              action: Type.String(),
              subjectType: Type.String(),
              subjectId: Type.Union([Type.String(), Type.Null()]),
              actorUserId: Type.Union([Type.String(), Type.Null()]),
              actorApiKeyId: Type.Union([Type.String(), Type.Null()]),
              actorName: Type.Union([Type.String(), Type.Null()]),
              data: Type.Unknown(),
              createdAt: Type.String({ format: 'date-time' }),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const params = parseListParams(request.query, LISTS.activity);
      const { items, total } = await activity.list(principalOf(request).organizationId, {
        ...params,
        projectId: uuidFilter(params.filter, 'projectId'),
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
