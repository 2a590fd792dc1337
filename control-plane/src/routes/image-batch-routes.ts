/**
 * POST /v1/images/batches: pictures from the library (or all of a project's) × presets, as one
 * batch of image jobs through the render queue. Their progress is the renders' event stream,
 * their files the renders' outputs, and GET /v1/batches/{id}/zip has them all.
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, callerStanding, principalOf, requireScope, type Guard } from '../http/authenticate.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { ImageJobs } from '../services/image-jobs.js';
import { ImageBatchRequestSchema } from '../services/image-request.js';
import type { OrganizationPlans } from '../services/organization-plan.js';

export const imageBatchRoutes: FastifyPluginAsyncTypebox<{
  jobs: ImageJobs;
  organizationPlans: OrganizationPlans;
  authenticate: Guard;
}> = async (app, { jobs, organizationPlans, authenticate }) => {
  const canWrite = allOf(app, [authenticate, requireScope('renders:write')]);
  app.post(
    '/v1/images/batches',
    {
      onRequest: canWrite,
      schema: {
        tags: ['images'],
        summary: 'Make every preset of every picture: one image job per picture, in one batch',
        description:
          'All or nothing: unknown presets, pictures that are not ready, or more images than the month has left refuse the whole request. The jobs are renders of kind "image": GET /v1/renders?filter={"batchId":…} lists them, /v1/events streams their progress and GET /v1/batches/{id}/zip downloads every file.',
        body: ImageBatchRequestSchema,
        response: {
          201: Type.Object({ batchId: Uuid, jobIds: Type.Array(Uuid), images: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const entitlement = await organizationPlans.resolve(principal.organizationId, callerStanding(request));
      return reply.status(201).send(await jobs.submit(principal, entitlement, request.body));
    },
  );
};
