/** GET /v1/renders/:id/outputs: short-lived download links with proper file names. */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, principalOf, requireScope, type Guard } from '../http/authenticate.js';
import { notFound } from '../errors.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { OutputsRepository } from '../repositories/outputs-repository.js';
import type { RendersRepository } from '../repositories/renders-repository.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Principal } from '../domain.js';

const LINK_SECONDS = 15 * 60;

/** "My Launch Video!" → "my-launch-video" */
function fileStem(title: string | null, id: string): string {
  const stem = (title ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return stem || `render-${id.slice(0, 8)}`;
}

export interface OutputRoutesOptions {
  renders: RendersRepository;
  outputs: OutputsRepository;
  store: ObjectStore;
  authenticate: Guard;
  activity: (
    principal: Principal,
    action: string,
    subject: { type: string; id: string },
    data: Record<string, unknown>,
  ) => Promise<void>;
}

export const outputRoutes: FastifyPluginAsyncTypebox<OutputRoutesOptions> = async (
  app,
  { renders, outputs, store, authenticate, activity },
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
      for (const file of files) await store.delete(file.objectKey);
      await outputs.markDeleted(
        files.map((f) => f.id),
        new Date(),
      );
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
              url: Type.String(),
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
      const stem = fileStem(render.title, render.id);
      const linkExpiresAt = new Date(Date.now() + LINK_SECONDS * 1000).toISOString();
      return Promise.all(
        files.map(async (o) => {
          const extension = o.name.slice(o.name.lastIndexOf('.'));
          const filename = o.aspect ? `${stem}-${o.aspect.replace(':', 'x')}${extension}` : `${stem}-${o.name}`;
          return {
            kind: o.kind,
            name: o.name,
            aspect: o.aspect,
            bytes: o.bytes,
            width: o.width,
            height: o.height,
            url: await store.presignGet(o.objectKey, { expiresSeconds: LINK_SECONDS, filename }),
            linkExpiresAt,
            fileExpiresAt: o.expiresAt?.toISOString() ?? null,
          };
        }),
      );
    },
  );
};
