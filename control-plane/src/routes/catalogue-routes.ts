/** GET /v1/voices (with preview text) and GET /v1/caption-styles. */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listCaptionStyles, type VoiceCatalogue } from '@cutline/render-job';
import type { Guard } from '../http/authenticate.js';
import { errorResponses } from '../http/schemas.js';

export const catalogueRoutes: FastifyPluginAsyncTypebox<{ catalogue: VoiceCatalogue; authenticate: Guard }> = async (app, { catalogue, authenticate }) => {
  app.get('/v1/voices', {
    preHandler: authenticate,
    schema: {
      tags: ['catalogue'],
      summary: 'Voices available for narration',
      querystring: Type.Object({ language: Type.Optional(Type.String({ maxLength: 35 })), engine: Type.Optional(Type.String({ maxLength: 20 })) }),
      response: {
        200: Type.Array(Type.Object({ id: Type.String(), engine: Type.String(), language: Type.String(), label: Type.String(), gender: Type.String(), sampleText: Type.String() })),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const { language, engine } = request.query;
    return (await catalogue.list())
      .filter((v) => !language || v.language.toLowerCase().startsWith(language.toLowerCase()))
      .filter((v) => !engine || v.engine === engine)
      .map(({ id, engine: e, language: l, label, gender, sampleText }) => ({ id, engine: e, language: l, label, gender, sampleText }));
  });

  app.get('/v1/caption-styles', {
    preHandler: authenticate,
    schema: {
      tags: ['catalogue'],
      summary: 'Caption templates',
      response: { 200: Type.Array(Type.Object({ id: Type.String(), label: Type.String(), description: Type.String() })), ...errorResponses },
    },
  }, async () => listCaptionStyles().map(({ id, label, description }) => ({ id, label, description })));
};
