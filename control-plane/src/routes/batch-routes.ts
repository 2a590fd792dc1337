/**
 * /v1/batches: a CSV upload (Content-Type: text/csv, one row per video) becomes a batch of
 * renders, all or nothing. The renders are listed with GET /v1/renders?filter={"batchId":…}.
 */
import { requestTraceparent } from '../http/tracing-hooks.js';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, callerStanding, principalOf, requireScope, type Guard } from '../http/authenticate.js';
import { ApiError } from '../errors.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { OrganizationPlans } from '../services/organization-plan.js';
import { CSV_COLUMNS } from '@cutline/contract';
import { MAX_BATCH_ROWS, type BatchSubmissions } from '../services/batch-submissions.js';

const MAX_CSV_BYTES = 2 * 1024 * 1024;

export const batchRoutes: FastifyPluginAsyncTypebox<{
  batches: BatchSubmissions;
  organizationPlans: OrganizationPlans;
  authenticate: Guard;
}> = async (app, { batches, organizationPlans, authenticate }) => {
  const canWrite = allOf(app, [authenticate, requireScope('renders:write')]);
  app.addContentTypeParser(
    ['text/csv', 'application/csv'],
    { parseAs: 'buffer', bodyLimit: MAX_CSV_BYTES },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/v1/batches',
    {
      onRequest: canWrite,
      bodyLimit: MAX_CSV_BYTES,
      schema: {
        tags: ['batches'],
        summary: `Submit a CSV (columns: ${CSV_COLUMNS.join(', ')}; at most ${MAX_BATCH_ROWS} rows) as one batch of renders`,
        description:
          'All or nothing: a file with any bad row is refused, and the error lists every problem by row and column.',
        querystring: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            projectId: Type.Optional(Uuid),
            deleteAfterDownload: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ batchId: Uuid, renderIds: Type.Array(Uuid) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body))
        throw new ApiError('CUTLINE_UNSUPPORTED_MEDIA_TYPE', 'Send the CSV as the body with Content-Type: text/csv.');
      const principal = principalOf(request);
      const entitlement = await organizationPlans.resolve(principal.organizationId, callerStanding(request));
      const result = await batches.submit(
        principal,
        entitlement,
        request.query.name ?? `Batch of ${new Date().toISOString().slice(0, 16)}`,
        request.body,
        { projectId: request.query.projectId, deleteAfterDownload: request.query.deleteAfterDownload },
        requestTraceparent(request),
      );
      return reply.status(201).send(result);
    },
  );
};
