/**
 * GET /v1/downloads/:token: one output file through the API, for links that must know when
 * a download finished (routes/output-routes.ts issues them). The signed token is the
 * credential; the file is streamed from the store, and only a response written to the end
 * counts as downloaded.
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../errors.js';
import { errorResponses } from '../http/schemas.js';
import type { DownloadLinks } from '../auth/download-links.js';
import type { OutputsRepository } from '../repositories/outputs-repository.js';
import type { OutputDeletion } from '../services/output-deletion.js';
import { contentDisposition, type ObjectStore } from '../storage/object-store.js';
import { downloadName } from './output-routes.js';

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.srt': 'application/x-subrip',
  '.vtt': 'text/vtt',
  '.json': 'application/json',
};

export const downloadRoute: FastifyPluginAsyncTypebox<{
  links: DownloadLinks;
  outputs: OutputsRepository;
  deletion: OutputDeletion;
  store: ObjectStore;
  now?: () => Date;
}> = async (app, { links, outputs, deletion, store, now = () => new Date() }) => {
  app.get(
    '/v1/downloads/:token',
    {
      schema: {
        tags: ['renders'],
        summary: 'Download one file by a signed link from GET /v1/renders/{id}/outputs',
        security: [],
        params: Type.Object({ token: Type.String({ minLength: 40, maxLength: 200 }) }),
        response: { 200: Type.Unknown({ description: 'the file' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const output = await outputs.downloadable(links.verify(request.params.token, now()));
      if (!output)
        throw new ApiError('CUTLINE_LINK_USED', 'This file has been deleted (after its download, or by its owner).');
      const body = await store.get(output.objectKey);
      const filename = downloadName({ title: output.title, id: output.renderId }, output);
      reply.raw.once('finish', () => {
        void deletion
          .downloaded(output)
          .catch((err: unknown) =>
            request.log.error({ err, outputId: output.id }, 'could not record a finished download'),
          );
      });
      return reply
        .header(
          'content-type',
          CONTENT_TYPES[output.name.slice(output.name.lastIndexOf('.'))] ?? 'application/octet-stream',
        )
        .header('content-length', String(output.bytes))
        .header('content-disposition', contentDisposition(filename))
        .header('cache-control', 'private, no-store')
        .send(body);
    },
  );
};
