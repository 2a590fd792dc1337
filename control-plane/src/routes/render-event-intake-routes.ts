/**
 * Where render pods report progress (render-job's `--events http`). A pod holds a token for its
 * own render only (auth/render-event-tokens.ts); the API publishes what it sends under that
 * render's subject and the organization the database names, so a pod cannot speak for another
 * render or reach another organization's live stream. States are not taken from pods: the
 * operator records each outcome from the pod's exit.
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { progressSubject, RENDER_STAGES } from '@cutline/render-job';
import type { RenderEventTokens } from '../auth/render-event-tokens.js';
import type { EventBus } from '../events/event-bus.js';
import { ApiError, notFound } from '../errors.js';
import { Uuid } from '../http/schemas.js';

const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const Progress = Type.Object({
  type: Type.Literal('progress'),
  renderId: Uuid,
  stage: Type.Union(RENDER_STAGES.map((s) => Type.Literal(s))),
  progress: Fraction,
  stageProgress: Fraction,
  etaSeconds: Type.Union([Type.Number({ minimum: 0, maximum: 86_400 * 7 }), Type.Null()]),
  at: Type.String({ maxLength: 40 }),
});
// A state report is accepted and dropped (see above); only its shape is checked.
const State = Type.Object({ type: Type.Literal('state'), renderId: Uuid });

export interface RenderEventIntakeOptions {
  bus: EventBus;
  tokens: RenderEventTokens;
  /** The organization a render belongs to, or undefined for no such render. */
  organizationOf: (renderId: string) => Promise<string | undefined>;
}

export const renderEventIntakeRoutes: FastifyPluginAsyncTypebox<RenderEventIntakeOptions> = async (
  app,
  { bus, tokens, organizationOf },
) => {
  const organizations = new Map<string, string>();
  const organizationFor = async (renderId: string) => {
    const known = organizations.get(renderId);
    if (known) return known;
    const found = await organizationOf(renderId);
    if (found) {
      if (organizations.size >= 10_000) organizations.delete(organizations.keys().next().value!);
      organizations.set(renderId, found);
    }
    return found;
  };

  app.post(
    '/v1/internal/renders/:id/events',
    {
      bodyLimit: 16 * 1024,
      onRequest: async (request) => {
        const header = request.headers.authorization;
        const id = (request.params as { id?: string }).id ?? '';
        if (!tokens.verify(id, header?.startsWith('Bearer ') ? header.slice(7) : undefined))
          throw new ApiError('CUTLINE_UNAUTHENTICATED', 'This token does not report for this render.');
      },
      schema: { hide: true, params: Type.Object({ id: Uuid }), body: Type.Union([Progress, State]) },
    },
    async (request, reply) => {
      const event = request.body;
      if (event.renderId !== request.params.id)
        throw new ApiError('CUTLINE_FORBIDDEN', 'The event names another render.');
      if (event.type === 'progress') {
        const organizationId = await organizationFor(request.params.id);
        if (!organizationId) throw notFound('Render');
        try {
          await bus.publish(progressSubject(event.renderId), { ...event, organizationId });
        } catch (err) {
          request.log.warn({ err }, "could not publish a render pod's progress");
          throw new ApiError('CUTLINE_UNAVAILABLE', 'The event bus is not answering; progress will follow.');
        }
      }
      return reply.status(204).send();
    },
  );
};
