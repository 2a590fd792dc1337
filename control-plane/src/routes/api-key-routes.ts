/** /v1/api-keys: create (the key is shown once), list, revoke. Owners and admins only. */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { newApiKey } from '../auth/secrets.js';
import { API_KEY_SCOPES, type ApiKeyInfo } from '../domain.js';
import { allOf, principalOf, requireUser, type Guard } from '../http/authenticate.js';
import { ApiError, notFound } from '../errors.js';
import type { FastifyRequest } from 'fastify';
import type { Plan } from '../plans.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { ApiKeysRepository } from '../repositories/api-keys-repository.js';

const Scope = Type.Union(API_KEY_SCOPES.map((s) => Type.Literal(s)));
const ApiKeyView = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

function view(key: ApiKeyInfo) {
  return {
    ...key,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

export interface ApiKeyRoutesOptions {
  apiKeys: ApiKeysRepository;
  authenticate: Guard;
  /** Told of a revocation here before it is answered, so a key kept in this process goes at once. */
  credentialsChanged?: (organizationId: string) => void;
  /** The plan that governs the organization: only plans with API access make keys. */
  planOf: (organizationId: string, request: FastifyRequest) => Promise<Plan>;
}

export const apiKeyRoutes: FastifyPluginAsyncTypebox<ApiKeyRoutesOptions> = async (
  app,
  { apiKeys, authenticate, credentialsChanged, planOf },
) => {
  const adminOnly = allOf(app, [authenticate, requireUser('admin')]);

  app.get(
    '/v1/api-keys',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (secrets are never shown again)',
        response: { 200: Type.Array(ApiKeyView), ...errorResponses },
      },
    },
    async (request) => (await apiKeys.list(principalOf(request).organizationId)).map(view),
  );

  app.post(
    '/v1/api-keys',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; the response is the only time the key is shown',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            scopes: Type.Optional(
              Type.Array(Scope, { minItems: 1, uniqueItems: true, description: 'Defaults to every scope' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ key: Type.String(), apiKey: ApiKeyView }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const plan = await planOf(principal.organizationId, request);
      if (!plan.apiAccess)
        throw new ApiError(
          'CUTLINE_PLAN_LIMIT',
          `API keys are not part of the ${plan.id} plan; upgrade to a plan with API access to make one.`,
        );
      const generated = newApiKey();
      const created = await apiKeys.create({
        organizationId: principal.organizationId,
        createdById: principal.kind === 'user' ? principal.userId : '',
        name: request.body.name,
        prefix: generated.prefix,
        secretHash: generated.secretHash,
        scopes: request.body.scopes ?? [...API_KEY_SCOPES],
      });
      return reply.status(201).send({ key: generated.key, apiKey: view(created) });
    },
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { organizationId } = principalOf(request);
      if (!(await apiKeys.revoke(organizationId, request.params.id, new Date()))) throw notFound('API key');
      credentialsChanged?.(organizationId);
      return reply.status(204).send(null);
    },
  );
};
