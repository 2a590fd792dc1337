/** /v1/auth: register, login, refresh (rotating), logout; /v1/me. Rate-limited per IP. */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Guard } from '../http/authenticate.js';
import { principalOf } from '../http/authenticate.js';
import { ApiError } from '../errors.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { AccountsRepository } from '../repositories/accounts-repository.js';
import type { AccountsService, Session } from '../services/accounts-service.js';

const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: 10, maxLength: 256, description: 'At least 10 characters' });

const OrganizationView = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  plan: Type.String(),
  role: Type.String(),
});
export const SessionResponse = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  refreshToken: Type.String(),
  user: Type.Object({
    id: Uuid,
    email: Type.String(),
    name: Type.String(),
    isPlatformAdmin: Type.Boolean(),
    emailVerified: Type.Boolean(),
  }),
  organization: OrganizationView,
});

export function sessionView(session: Session) {
  return {
    accessToken: session.accessToken,
    tokenType: 'Bearer' as const,
    expiresIn: session.accessTokenExpiresIn,
    refreshToken: session.refreshToken,
    user: {
      id: session.user.id,
      email: session.user.email,
      name: session.user.name,
      isPlatformAdmin: session.user.isPlatformAdmin,
      emailVerified: session.user.emailVerified,
    },
    organization: {
      id: session.organization.id,
      name: session.organization.name,
      slug: session.organization.slug,
      plan: session.organization.plan,
      role: session.role,
    },
  };
}

export interface AuthRoutesOptions {
  service: AccountsService;
  accounts: AccountsRepository;
  authenticate: Guard;
  rateLimitPerMinute: number;
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (
  app,
  { service, accounts, authenticate, rateLimitPerMinute },
) => {
  const rateLimit = { rateLimit: { max: rateLimitPerMinute, timeWindow: '1 minute' } };

  app.post(
    '/v1/auth/register',
    {
      config: rateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Create an account and its organization',
        body: Type.Object(
          {
            email: Email,
            password: Password,
            name: Type.String({ minLength: 1, maxLength: 100 }),
            organizationName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: SessionResponse, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(sessionView(await service.register(request.body))),
  );

  app.post(
    '/v1/auth/login',
    {
      config: rateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Sign in; optionally choose the organization to act in',
        body: Type.Object(
          {
            email: Email,
            password: Type.String({ minLength: 1, maxLength: 256 }),
            organizationId: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: { 200: SessionResponse, ...errorResponses },
      },
    },
    async (request) => sessionView(await service.login(request.body)),
  );

  app.post(
    '/v1/auth/refresh',
    {
      config: rateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens (the old one stops working)',
        body: Type.Object(
          { refreshToken: Type.String({ minLength: 10, maxLength: 200 }), organizationId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: { 200: SessionResponse, ...errorResponses },
      },
    },
    async (request) => sessionView(await service.refresh(request.body.refreshToken, request.body.organizationId)),
  );

  app.post(
    '/v1/auth/logout',
    {
      config: rateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Sign out: revokes the refresh token and every token rotated from it',
        body: Type.Object(
          { refreshToken: Type.String({ minLength: 10, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.logout(request.body.refreshToken);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      onRequest: authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Who is calling, and the organizations they belong to',
        response: {
          200: Type.Object({
            kind: Type.String(),
            user: Type.Optional(
              Type.Object({
                id: Uuid,
                email: Type.String(),
                name: Type.String(),
                isPlatformAdmin: Type.Boolean(),
                emailVerified: Type.Boolean(),
              }),
            ),
            organizationId: Uuid,
            role: Type.Optional(Type.String()),
            scopes: Type.Optional(Type.Array(Type.String())),
            organizations: Type.Array(OrganizationView),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.kind === 'apiKey') {
        const organization = await accounts.findOrganization(principal.organizationId);
        if (!organization) throw new ApiError('CUTLINE_UNAUTHENTICATED', 'The API key is invalid or revoked.');
        return {
          kind: 'apiKey',
          organizationId: principal.organizationId,
          scopes: principal.scopes,
          organizations: [{ ...organization, role: 'api-key' }],
        };
      }
      const user = await accounts.findUser(principal.userId);
      if (!user) throw new ApiError('CUTLINE_UNAUTHENTICATED', 'The account no longer exists.');
      const organizations = await accounts.organizationsOf(user.id);
      return {
        kind: 'user',
        user: {
          id: user.id,
          email: user.email,
          name: user.name,
          isPlatformAdmin: user.isPlatformAdmin,
          emailVerified: user.emailVerified,
        },
        organizationId: principal.organizationId,
        role: principal.role,
        organizations: organizations.map((o) => ({ id: o.id, name: o.name, slug: o.slug, plan: o.plan, role: o.role })),
      };
    },
  );
};
