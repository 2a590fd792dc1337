/**
 * /v1/images/presets: the sizes and formats image jobs make — the platform presets (Instagram,
 * TikTok and Reels, YouTube, X, LinkedIn, Facebook, Pinterest) and the organization's own.
 */
import { IMAGE_FORMATS, IMAGE_PRESETS } from '@cutline/render-job';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, principalOf, requireScope, type Guard } from '../http/authenticate.js';
import { notFound } from '../errors.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { ImagePresetsRepository } from '../repositories/image-presets-repository.js';
import type { RecordActivity } from '../repositories/activity-repository.js';

const Format = Type.Union(IMAGE_FORMATS.map((f) => Type.Literal(f)));
const PresetView = Type.Object({
  id: Type.String({ description: 'A platform preset’s name (instagram-post), or a custom preset’s UUID' }),
  label: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  format: Type.String(),
  custom: Type.Boolean(),
});

export const imagePresetRoutes: FastifyPluginAsyncTypebox<{
  presets: ImagePresetsRepository;
  authenticate: Guard;
  activity: RecordActivity;
}> = async (app, { presets, authenticate, activity }) => {
  const canRead = allOf(app, [authenticate, requireScope('assets:read')]);
  const canWrite = allOf(app, [authenticate, requireScope('assets:write')]);

  app.get(
    '/v1/images/presets',
    {
      onRequest: canRead,
      schema: {
        tags: ['images'],
        summary: 'Every output size image jobs offer: the platform presets, then the organization’s own',
        response: { 200: Type.Array(PresetView), ...errorResponses },
      },
    },
    async (request) => [
      ...IMAGE_PRESETS.map((p) => ({ ...p, custom: false })),
      ...(await presets.list(principalOf(request).organizationId)).map((p) => ({
        id: p.id,
        label: p.name,
        width: p.width,
        height: p.height,
        format: p.format,
        custom: true,
      })),
    ],
  );

  app.post(
    '/v1/images/presets',
    {
      onRequest: canWrite,
      schema: {
        tags: ['images'],
        summary: 'Save an output size of the organization’s own',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 60, pattern: '^[^\\p{Cc}<>]*\\S[^\\p{Cc}<>]*$' }),
            width: Type.Integer({ minimum: 16, maximum: 8192 }),
            height: Type.Integer({ minimum: 16, maximum: 8192 }),
            format: Format,
          },
          { additionalProperties: false },
        ),
        response: { 201: PresetView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const created = await presets.create(principal.organizationId, {
        ...request.body,
        name: request.body.name.trim(),
      });
      await activity(
        principal,
        'image_preset.created',
        { type: 'image_preset', id: created.id },
        { name: created.name },
      );
      return reply.status(201).send({
        id: created.id,
        label: created.name,
        width: created.width,
        height: created.height,
        format: created.format,
        custom: true,
      });
    },
  );

  app.delete(
    '/v1/images/presets/:id',
    {
      onRequest: canWrite,
      schema: {
        tags: ['images'],
        summary: 'Delete one of the organization’s presets',
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!(await presets.delete(principal.organizationId, request.params.id))) throw notFound('Preset');
      await activity(principal, 'image_preset.deleted', { type: 'image_preset', id: request.params.id }, {});
      return reply.status(204).send(null);
    },
  );
};
