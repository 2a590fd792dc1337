/**
 * /v1/members: list (any member); change roles, remove (admins and owners; only owners touch
 * owners). The last owner can be neither demoted nor removed. People join only by accepting an
 * invitation (invitation-routes.ts).
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MEMBER_ROLES, type MemberRole, type Member } from '../domain.js';
import { allOf, principalOf, requireUser, userPrincipalOf, type Guard } from '../http/authenticate.js';
import { ApiError, notFound } from '../errors.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import type { AccountsRepository } from '../repositories/accounts-repository.js';

const Role = Type.Union(MEMBER_ROLES.map((r) => Type.Literal(r)));
const MemberView = Type.Object({
  userId: Uuid,
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  joinedAt: Type.String({ format: 'date-time' }),
});
const view = (m: Member) => ({ ...m, joinedAt: m.joinedAt.toISOString() });

export const memberRoutes: FastifyPluginAsyncTypebox<{
  accounts: AccountsRepository;
  authenticate: Guard;
  credentialsChanged?: (organizationId: string) => void;
}> = async (app, { accounts, authenticate, credentialsChanged }) => {
  const anyMember = allOf(app, [authenticate, requireUser('member')]);
  const adminOnly = allOf(app, [authenticate, requireUser('admin')]);

  /** Admins manage members and admins; owners also manage owners. */
  const assertMayManage = (actor: MemberRole, targetRole: MemberRole, newRole?: MemberRole) => {
    if (actor !== 'owner' && (targetRole === 'owner' || newRole === 'owner'))
      throw new ApiError('CUTLINE_FORBIDDEN', 'Only an owner can change owners.');
  };

  app.get(
    '/v1/members',
    {
      onRequest: anyMember,
      schema: {
        tags: ['members'],
        summary: 'Members of the organization',
        response: { 200: Type.Array(MemberView), ...errorResponses },
      },
    },
    async (request) => (await accounts.listMembers(principalOf(request).organizationId)).map(view),
  );

  app.patch(
    '/v1/members/:userId',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['members'],
        summary: "Change a member's role",
        params: Type.Object({ userId: Uuid }),
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: { 200: MemberView, ...errorResponses },
      },
    },
    async (request) => {
      const principal = userPrincipalOf(request);
      const current = await accounts.roleOf(request.params.userId, principal.organizationId);
      if (!current) throw notFound('Member');
      assertMayManage(principal.role, current, request.body.role);
      const result = await accounts.changeMembership(principal.organizationId, request.params.userId, {
        role: request.body.role,
      });
      if (result === 'not-found') throw notFound('Member');
      if (result === 'last-owner')
        throw new ApiError('CUTLINE_LAST_OWNER', 'The organization needs at least one owner.');
      return view(
        (await accounts.listMembers(principal.organizationId)).find((m) => m.userId === request.params.userId)!,
      );
    },
  );

  app.delete(
    '/v1/members/:userId',
    {
      onRequest: anyMember,
      schema: {
        tags: ['members'],
        summary: 'Remove a member (or leave, for yourself)',
        params: Type.Object({ userId: Uuid }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = userPrincipalOf(request);
      const current = await accounts.roleOf(request.params.userId, principal.organizationId);
      if (!current) throw notFound('Member');
      if (request.params.userId !== principal.userId) {
        if (principal.role === 'member')
          throw new ApiError('CUTLINE_FORBIDDEN', 'This needs the admin role or higher.');
        assertMayManage(principal.role, current);
      }
      const result = await accounts.changeMembership(principal.organizationId, request.params.userId, 'remove');
      if (result === 'not-found') throw notFound('Member');
      if (result === 'last-owner')
        throw new ApiError('CUTLINE_LAST_OWNER', 'The organization needs at least one owner.');
      credentialsChanged?.(principal.organizationId);
      return reply.status(204).send(null);
    },
  );
};
