/**
 * /v1/invitations: admins invite an address with a role, list, resend and revoke; the invitee
 * looks the link up, then accepts signed in (with the invited address) or with a new account.
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MEMBER_ROLES, type MemberRole } from '../domain.js';
import {
  allOf,
  principalOf,
  requireUser,
  requireVerifiedEmail,
  userPrincipalOf,
  type Guard,
} from '../http/authenticate.js';
import { ApiError } from '../errors.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { Invitation } from '../repositories/invitations-repository.js';
import type { AccountsService } from '../services/accounts-service.js';
import type { Invitations } from '../services/invitations.js';
import { SessionResponse, sessionView } from './auth-routes.js';

const Role = Type.Union(MEMBER_ROLES.map((r) => Type.Literal(r)));
const Token = Type.String({ minLength: 20, maxLength: 200, description: 'The token from the invitation mail' });
const InvitationView = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: Type.String(),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('accepted'),
    Type.Literal('revoked'),
    Type.Literal('expired'),
  ]),
  invitedBy: Type.Union([Type.String(), Type.Null()]),
  organizationName: Type.String(),
  sentCount: Type.Integer(),
  lastSentAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
});
const view = (i: Invitation) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  status: i.status,
  invitedBy: i.invitedByName ?? null,
  organizationName: i.organizationName,
  sentCount: i.sentCount,
  lastSentAt: i.lastSentAt.toISOString(),
  expiresAt: i.expiresAt.toISOString(),
  createdAt: i.createdAt.toISOString(),
});

export const invitationRoutes: FastifyPluginAsyncTypebox<{
  invitations: Invitations;
  sessions: AccountsService;
  authenticate: Guard;
  rateLimitPerMinute: number;
}> = async (app, { invitations, sessions, authenticate, rateLimitPerMinute }) => {
  const admin = allOf(app, [authenticate, requireUser('admin')]);
  const verifiedAdmin = allOf(app, [authenticate, requireUser('admin'), requireVerifiedEmail()]);
  const signedIn = allOf(app, [authenticate, requireUser('member')]);
  const rateLimit = { rateLimit: { max: rateLimitPerMinute, timeWindow: '1 minute' } };
  /** Admins invite members and admins; only owners invite owners. */
  const mayInvite = (actor: MemberRole, role: MemberRole) => {
    if (role === 'owner' && actor !== 'owner')
      throw new ApiError('CUTLINE_FORBIDDEN', 'Only an owner can invite owners.');
  };

  app.get(
    '/v1/invitations',
    {
      onRequest: admin,
      schema: {
        tags: ['members'],
        summary: 'Invitations of the organization, newest first',
        response: { 200: Type.Array(InvitationView), ...errorResponses },
      },
    },
    async (request) => (await invitations.list(principalOf(request).organizationId)).map(view),
  );

  app.post(
    '/v1/invitations',
    {
      onRequest: verifiedAdmin,
      schema: {
        tags: ['members'],
        summary: 'Invite an address with a role (an open invitation to it is renewed)',
        body: Type.Object(
          { email: Type.String({ format: 'email', maxLength: 254 }), role: Role },
          { additionalProperties: false },
        ),
        response: { 201: InvitationView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = userPrincipalOf(request);
      mayInvite(principal.role, request.body.role);
      return reply.status(201).send(view(await invitations.invite(principal, request.body.email, request.body.role)));
    },
  );

  app.post(
    '/v1/invitations/:id/resend',
    {
      onRequest: verifiedAdmin,
      schema: {
        tags: ['members'],
        summary: 'Mail the invitation again with a new link (the old one stops working) and 7 more days',
        params: Type.Object({ id: Uuid }),
        response: { 200: InvitationView, ...errorResponses },
      },
    },
    async (request) => view(await invitations.resend(userPrincipalOf(request), request.params.id)),
  );

  app.delete(
    '/v1/invitations/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['members'],
        summary: 'Revoke an open invitation: its link stops working',
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await invitations.revoke(userPrincipalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/invitations/lookup',
    {
      config: rateLimit,
      schema: {
        tags: ['members'],
        summary: 'What an invitation link offers (for the accept page; no sign-in needed)',
        body: Type.Object({ token: Token }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            email: Type.String(),
            role: Type.String(),
            organizationName: Type.String(),
            invitedBy: Type.Union([Type.String(), Type.Null()]),
            expiresAt: Type.String({ format: 'date-time' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const i = await invitations.lookup(request.body.token);
      return {
        email: i.email,
        role: i.role,
        organizationName: i.organizationName,
        invitedBy: i.invitedByName ?? null,
        expiresAt: i.expiresAt.toISOString(),
      };
    },
  );

  app.post(
    '/v1/invitations/accept',
    {
      onRequest: signedIn,
      config: rateLimit,
      schema: {
        tags: ['members'],
        summary: 'Join the organization as the signed-in user (who must have the invited address)',
        body: Type.Object({ token: Token }, { additionalProperties: false }),
        response: { 200: Type.Object({ organizationId: Uuid, role: Type.String() }), ...errorResponses },
      },
    },
    async (request) => invitations.accept(userPrincipalOf(request).userId, request.body.token),
  );

  app.post(
    '/v1/invitations/accept-new',
    {
      config: rateLimit,
      schema: {
        tags: ['members'],
        summary: 'Create an account with the invited address, join, and sign in',
        body: Type.Object(
          {
            token: Token,
            name: Type.String({ minLength: 1, maxLength: 100 }),
            password: Type.String({ minLength: 10, maxLength: 256, description: 'At least 10 characters' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: SessionResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const joined = await invitations.acceptAsNewUser(request.body.token, request.body);
      return reply.status(201).send(sessionView(await sessions.sessionFor(joined.userId, joined.organizationId)));
    },
  );
};
