/**
 * GET /v1/batches/:id/zip: every finished video of a batch as one ZIP, streamed object by
 * object (stored, not deflated: MP4 does not compress), never held in memory.
 */
import type { RecordActivity } from '../repositories/activity-repository.js';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { allOf, principalOf, requireScope, type Guard } from '../http/authenticate.js';
import { notFound } from '../errors.js';
import { Uuid } from '../http/schemas.js';
import type { OutputsRepository } from '../repositories/outputs-repository.js';
import { contentDisposition, type ObjectStore } from '../storage/object-store.js';
import type { OutputDeletion } from '../services/output-deletion.js';

function entryName(row: number | null, title: string | null, name: string): string {
  const stem = (title ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${String(row ?? 0).padStart(3, '0')}${stem ? `-${stem}` : ''}-${name}`;
}

export interface BatchZipOptions {
  outputs: OutputsRepository;
  deletion: OutputDeletion;
  store: ObjectStore;
  authenticate: Guard;
  activity: RecordActivity;
}

export const batchZipRoute: FastifyPluginAsyncTypebox<BatchZipOptions> = async (
  app,
  { outputs, deletion, store, authenticate, activity },
) => {
  const canRead = allOf(app, [authenticate, requireScope('renders:read')]);
  app.get(
    '/v1/batches/:id/zip',
    {
      onRequest: canRead,
      schema: {
        tags: ['batches'],
        summary: 'All finished videos of a batch as one streamed ZIP',
        params: Type.Object({ id: Uuid }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!(await outputs.batchExists(principal.organizationId, request.params.id))) throw notFound('Batch');
      const files = await outputs.forBatch(principal.organizationId, request.params.id);
      if (files.length === 0) throw notFound('Finished video in this batch');
      await activity(principal, 'batch.downloaded', { type: 'batch', id: request.params.id }, { files: files.length });
      const zip = new yazl.ZipFile();
      const output = zip.outputStream as Readable;
      // Entries are added one at a time as the previous one finishes, so one object is open at once.
      const addNext = async (index: number): Promise<void> => {
        const file = files[index];
        if (!file) {
          zip.end();
          return;
        }
        const stream = await store.get(file.objectKey);
        zip.addReadStream(stream, entryName(file.batchRow, file.title, file.name), {
          compress: false,
          size: file.bytes,
        });
        stream.once('end', () => void addNext(index + 1).catch((err: unknown) => output.destroy(err as Error)));
        stream.once('error', (err) => output.destroy(err));
      };
      await addNext(0);
      // A ZIP written to the end is a download of each file in it.
      reply.raw.once('finish', () => {
        void (async () => {
          for (const file of files) await deletion.downloaded(file);
        })().catch((err: unknown) => request.log.error({ err }, 'could not record a finished batch download'));
      });
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', contentDisposition(`batch-${request.params.id.slice(0, 8)}.zip`))
        .send(output);
    },
  );
};
