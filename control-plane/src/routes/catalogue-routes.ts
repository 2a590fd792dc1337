/** GET /v1/voices (with preview text) and GET /v1/caption-styles. */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listCaptionStyles, type VoiceCatalogue } from '@cutline/render-job';
import { perCallerRateLimit, principalOf, type Guard } from '../http/authenticate.js';
import { errorResponses } from '../http/schemas.js';
import type { Previews } from '../services/previews.js';

export const catalogueRoutes: FastifyPluginAsyncTypebox<{
  catalogue: VoiceCatalogue;
  previews: Previews;
  authenticate: Guard;
  previewsPerMinute: number;
}> = async (app, { catalogue, previews, authenticate, previewsPerMinute }) => {
  app.get(
    '/v1/voices',
    {
      onRequest: authenticate,
      schema: {
        tags: ['catalogue'],
        summary: 'Voices available for narration',
        querystring: Type.Object({
          language: Type.Optional(Type.String({ maxLength: 35 })),
          engine: Type.Optional(Type.String({ maxLength: 20 })),
        }),
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.String(),
              engine: Type.String(),
              language: Type.String(),
              label: Type.String(),
              gender: Type.String(),
              sampleText: Type.String(),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { language, engine } = request.query;
      return (await catalogue.list())
        .filter((v) => !language || v.language.toLowerCase().startsWith(language.toLowerCase()))
        .filter((v) => !engine || v.engine === engine)
        .map(({ id, engine: e, language: l, label, gender, sampleText }) => ({
          id,
          engine: e,
          language: l,
          label,
          gender,
          sampleText,
        }));
    },
  );

  app.get(
    '/v1/voices/:id/sample',
    {
      onRequest: authenticate,
      config: perCallerRateLimit(previewsPerMinute),
      schema: {
        tags: ['catalogue'],
        summary: 'The voice reading its sample sentence (audio/wav)',
        params: Type.Object({ id: Type.String({ minLength: 3, maxLength: 100, pattern: '^[a-z]+:[\\w.@+-]+$' }) }),
        response: { 200: Type.Unknown({ description: 'audio/wav' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const wav = await previews.voiceSample(request.params.id, principalOf(request).organizationId);
      return reply.header('content-type', 'audio/wav').header('cache-control', 'private, max-age=86400').send(wav);
    },
  );

  app.get(
    '/v1/caption-styles',
    {
      onRequest: authenticate,
      schema: {
        tags: ['catalogue'],
        summary: 'Caption templates',
        response: {
          200: Type.Array(
            Type.Object({ id: Type.String(), label: Type.String(), description: Type.String(), reveal: Type.String() }),
          ),
          ...errorResponses,
        },
      },
    },
    async () => listCaptionStyles().map(({ id, label, description, reveal }) => ({ id, label, description, reveal })),
  );
};
