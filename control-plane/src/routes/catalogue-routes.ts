/** GET /v1/voices (with preview text), POST /v1/voices/match and GET /v1/caption-styles. */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VoiceMatch, VoiceView } from '@cutline/contract';
import { listCaptionStyles, type Voice, type VoiceCatalogue } from '@cutline/render-job';
import { checkedScript, MAX_SCRIPT_CHARS } from '../services/render-request.js';
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
        response: { 200: Type.Array(VoiceView), ...errorResponses },
      },
    },
    async (request) => {
      const { language, engine } = request.query;
      return (await catalogue.list())
        .filter((v) => !language || v.language.toLowerCase().startsWith(language.toLowerCase()))
        .filter((v) => !engine || v.engine === engine)
        .map(voiceView);
    },
  );

  app.post(
    '/v1/voices/match',
    {
      onRequest: authenticate,
      schema: {
        tags: ['catalogue'],
        summary: "The script's language, the voice `auto` would read it with, and the voices of that language",
        body: Type.Object(
          { script: Type.String({ minLength: 1, maxLength: MAX_SCRIPT_CHARS }) },
          { additionalProperties: false },
        ),
        response: { 200: VoiceMatch, ...errorResponses },
      },
    },
    async (request) => {
      const { voice, detected, sameLanguage } = await catalogue.match(checkedScript(request.body.script));
      return { detected, voice: voiceView(voice), suggestions: sameLanguage.slice(0, 8).map(voiceView) };
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

function voiceView({ id, engine, language, label, gender, sampleText }: Voice): VoiceView {
  return { id, engine, language, label, gender, sampleText, neural: engine === 'piper' };
}
