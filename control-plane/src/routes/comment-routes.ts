/**
 * Comments on a render: GET/POST /v1/renders/:id/comments (the thread, oldest first by
 * default), PATCH/DELETE /v1/comments/:id (edit, resolve, reopen, remove). People only:
 * feedback has an author.
 */
import { LISTS } from '@cutline/contract';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, requireUser, userPrincipalOf, type Guard } from '../http/authenticate.js';
import { errorResponses, ListQuery, Nullable, Uuid } from '../http/schemas.js';
import { parseListParams, sendPage, stringFilter } from '../http/simple-rest.js';
import type { Comment, CommentsRepository } from '../repositories/comments-repository.js';
import type { RendersRepository } from '../repositories/renders-repository.js';
import { MAX_COMMENT_CHARS, type Comments } from '../services/comments.js';
import { notFound } from '../errors.js';

const DateTime = Type.String({ format: 'date-time' });
const CommentView = Type.Object({
  id: Uuid,
  renderId: Uuid,
  authorId: Nullable(Uuid),
  authorName: Nullable(Type.String()),
  body: Type.String({ description: 'Plain text; show it escaped' }),
  atSeconds: Nullable(Type.Number()),
  mentions: Type.Array(Uuid),
  resolved: Type.Boolean(),
  resolvedAt: Nullable(DateTime),
  resolvedById: Nullable(Uuid),
  createdAt: DateTime,
  editedAt: Nullable(DateTime),
});

function view(c: Comment) {
  return {
    ...c,
    resolved: c.resolvedAt !== null,
    resolvedAt: c.resolvedAt?.toISOString() ?? null,
    createdAt: c.createdAt.toISOString(),
    editedAt: c.editedAt?.toISOString() ?? null,
  };
}

// The service trims and checks control characters; the schema bounds the size before that.
const Body = Type.String({ minLength: 1, maxLength: MAX_COMMENT_CHARS + 200 });

export const commentRoutes: FastifyPluginAsyncTypebox<{
  comments: Comments;
  repository: CommentsRepository;
  renders: Pick<RendersRepository, 'find'>;
  authenticate: Guard;
}> = async (app, { comments, repository, renders, authenticate }) => {
  const member = allOf(app, [authenticate, requireUser('member')]);

  app.get(
    '/v1/renders/:id/comments',
    {
      onRequest: member,
      schema: {
        tags: ['comments'],
        summary: 'The comment thread of a render (filter {"resolved":false} for open ones); total in Content-Range',
        params: Type.Object({ id: Uuid }),
        querystring: ListQuery,
        response: { 200: Type.Array(CommentView), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { organizationId } = userPrincipalOf(request);
      const params = parseListParams(request.query, LISTS.comments);
      const resolved = stringFilter(
        { resolved: params.filter.resolved === undefined ? undefined : String(params.filter.resolved) },
        'resolved',
        ['true', 'false'],
      );
      if (!(await renders.find(organizationId, request.params.id))) throw notFound('Render');
      const { items, total } = await repository.list(organizationId, request.params.id, {
        ...params,
        resolved: resolved === undefined ? undefined : resolved === 'true',
      });
      return sendPage(reply, 'comments', params.offset, items.map(view), total);
    },
  );

  app.post(
    '/v1/renders/:id/comments',
    {
      onRequest: member,
      schema: {
        tags: ['comments'],
        summary: 'Comment on a render, optionally at a time of the video; mentioned members are mailed',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          {
            body: Body,
            atSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
            mentions: Type.Optional(Type.Array(Uuid, { maxItems: 20, uniqueItems: true })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CommentView, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.status(201).send(view(await comments.add(userPrincipalOf(request), request.params.id, request.body))),
  );

  app.patch(
    '/v1/comments/:id',
    {
      onRequest: member,
      schema: {
        tags: ['comments'],
        summary: 'Edit a comment (its author), or resolve / reopen it (any member)',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          { body: Type.Optional(Body), resolved: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: CommentView, ...errorResponses },
      },
    },
    async (request) => view(await comments.change(userPrincipalOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/v1/comments/:id',
    {
      onRequest: member,
      schema: {
        tags: ['comments'],
        summary: 'Delete a comment (its author, or an owner or admin)',
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await comments.remove(userPrincipalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
