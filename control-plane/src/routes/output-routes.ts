/**
 * GET /v1/renders/:id/outputs: short-lived download links with proper file names; DELETE
 * deletes the files now. A delete-after-download render's links go through the API
 * (GET /v1/downloads/:token), which deletes each video after its first complete download.
 */
import type { RecordActivity } from '../repositories/activity-repository.js';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, principalOf, requireScope, type Guard } from '../http/authenticate.js';
import { notFound } from '../errors.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { OutputsRepository } from '../repositories/outputs-repository.js';
import type { RendersRepository } from '../repositories/renders-repository.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { DownloadLinks } from '../auth/download-links.js';
import type { OutputDeletion } from '../services/output-deletion.js';

const LINK_SECONDS = 15 * 60;

/** "My Launch Video!" → "my-launch-video" */
export function fileStem(title: string | null, id: string): string {
  const stem = (title ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return stem || `render-${id.slice(0, 8)}`;
}

/** The name a file downloads as: the render's title, its aspect, its extension. */
export function downloadName(render: { title: string | null; id: string }, o: { name: string; aspect: string | null }) {
  const stem = fileStem(render.title, render.id);
  const extension = o.name.slice(o.name.lastIndexOf('.'));
  return o.aspect ? `${stem}-${o.aspect.replace(':', 'x')}${extension}` : `${stem}-${o.name}`;
}

export interface OutputRoutesOptions {
  renders: RendersRepository;
  outputs: OutputsRepository;
  deletion: OutputDeletion;
  links: DownloadLinks;
  /** Where the API is reached from outside (links it serves itself). */
  publicUrl: string;
  store: ObjectStore;
  authenticate: Guard;
  activity: RecordActivity;
}

export const outputRoutes: FastifyPluginAsyncTypebox<OutputRoutesOptions> = async (
  app,
  { renders, outputs, deletion, links, publicUrl, store, authenticate, activity },
) => {
  const canRead = allOf(app, [authenticate, requireScope('renders:read')]);

  const canWrite = allOf(app, [authenticate, requireScope('renders:write')]);

  // Delete-after-download: once the files are safe on the user's side, they can go now rather
  // than at the end of the retention period.
  app.delete(
    '/v1/renders/:id/outputs',
    {
      onRequest: canWrite,
      schema: {
        tags: ['renders'],
        summary: "Delete a render's files now (after downloading them)",
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const render = await renders.find(principal.organizationId, request.params.id);
      if (!render) throw notFound('Render');
      const files = await outputs.forRender(principal.organizationId, render.id);
      await deletion.deleteFiles(files);
      await activity(principal, 'render.outputs_deleted', { type: 'render', id: render.id }, { files: files.length });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/renders/:id/outputs',
    {
      onRequest: canRead,
      schema: {
        tags: ['renders'],
        summary: `Download links for a finished render (valid ${LINK_SECONDS / 60} minutes)`,
        params: Type.Object({ id: Uuid }),
        response: {
          200: Type.Array(
            Type.Object({
              kind: Type.String(),
              name: Type.String(),
              aspect: Type.Union([Type.String(), Type.Null()]),
              bytes: Type.Number(),
              width: Type.Union([Type.Integer(), Type.Null()]),
              height: Type.Union([Type.Integer(), Type.Null()]),
              url: Type.String({ description: 'Download link (for delete-after-download renders, counted)' }),
              previewUrl: Type.String({ description: 'For playing in a page; never counts as the download' }),
              linkExpiresAt: Type.String({ format: 'date-time' }),
              fileExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const organizationId = principal.organizationId;
      const render = await renders.find(organizationId, request.params.id);
      if (!render) throw notFound('Render');
      const files = await outputs.forRender(organizationId, render.id);
      if (files.length > 0)
        await activity(principal, 'render.downloaded', { type: 'render', id: render.id }, { files: files.length });
      const expires = new Date(Date.now() + LINK_SECONDS * 1000);
      const linkExpiresAt = expires.toISOString();
      const base = publicUrl.replace(/\/+$/, '');
      return Promise.all(
        files.map(async (o) => {
          const filename = downloadName(render, o);
          const presigned = await store.presignGet(o.objectKey, { expiresSeconds: LINK_SECONDS, filename });
          return {
            kind: o.kind,
            name: o.name,
            aspect: o.aspect,
            bytes: o.bytes,
            width: o.width,
            height: o.height,
            url: render.deleteAfterDownload ? `${base}/v1/downloads/${links.issue(o.id, expires)}` : presigned,
            previewUrl: presigned,
            linkExpiresAt,
            fileExpiresAt: o.expiresAt?.toISOString() ?? null,
          };
        }),
      );
    },
  );
};
