/**
 * /v1/projects: a team's clients or campaigns. Create, rename, describe, archive, and file
 * uploads, renders and batches under one; its media are the asset, render and activity lists
 * filtered by projectId.
 */
import type { RecordActivity } from '../repositories/activity-repository.js';
import { LISTS } from '@cutline/contract';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, principalOf, requireScope, type Guard } from '../http/authenticate.js';
import { notFound } from '../errors.js';
import { errorResponses, ListQuery, Nullable, Uuid } from '../http/schemas.js';
import { parseListParams, sendPage, stringFilter } from '../http/simple-rest.js';
import type { Project, ProjectsRepository } from '../repositories/projects-repository.js';

const ProjectView = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  archived: Type.Boolean(),
  archivedAt: Nullable(Type.String({ format: 'date-time' })),
  createdById: Nullable(Uuid),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  counts: Type.Object({ assets: Type.Integer(), renders: Type.Integer(), batches: Type.Integer() }),
});

function view(p: Project) {
  return {
    ...p,
    archived: p.archivedAt !== null,
    archivedAt: p.archivedAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

// Names are shown in lists and mails: one line of printable text.
const Name = Type.String({ minLength: 1, maxLength: 120, pattern: '^[^\\p{Cc}]*\\S[^\\p{Cc}]*$' });
const Description = Type.String({ maxLength: 2000 });
const Ids = Type.Array(Uuid, { maxItems: 500 });

export interface ProjectRoutesOptions {
  projects: ProjectsRepository;
  authenticate: Guard;
  activity: RecordActivity;
  now?: () => Date;
}

export const projectRoutes: FastifyPluginAsyncTypebox<ProjectRoutesOptions> = async (
  app,
  { projects, authenticate, activity, now = () => new Date() },
) => {
  const canRead = allOf(app, [authenticate, requireScope('renders:read')]);
  const canWrite = allOf(app, [authenticate, requireScope('renders:write')]);

  app.get(
    '/v1/projects',
    {
      onRequest: canRead,
      schema: {
        tags: ['projects'],
        summary: 'List projects (archived ones with filter {"archived":true}); total in Content-Range',
        querystring: ListQuery,
        response: { 200: Type.Array(ProjectView), ...errorResponses },
      },
    },
    async (request, reply) => {
      const params = parseListParams(request.query, LISTS.projects);
      const archived = stringFilter(
        { archived: params.filter.archived === undefined ? undefined : String(params.filter.archived) },
        'archived',
        ['true', 'false', 'any'],
      );
      const { items, total } = await projects.list(principalOf(request).organizationId, {
        ...params,
        q: stringFilter(params.filter, 'q'),
        archived: archived === 'any' ? undefined : archived === 'true',
      });
      return sendPage(reply, 'projects', params.offset, items.map(view), total);
    },
  );

  app.post(
    '/v1/projects',
    {
      onRequest: canWrite,
      schema: {
        tags: ['projects'],
        summary: 'Create a project',
        body: Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false }),
        response: { 201: ProjectView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const project = await projects.create(
        principal.organizationId,
        principal.kind === 'user' ? principal.userId : null,
        { name: request.body.name.trim(), description: request.body.description },
      );
      await activity(principal, 'project.created', { type: 'project', id: project.id }, { name: project.name });
      return reply.status(201).send(view(project));
    },
  );

  app.get(
    '/v1/projects/:id',
    {
      onRequest: canRead,
      schema: {
        tags: ['projects'],
        summary: 'One project, with how many uploads, renders and batches it holds',
        params: Type.Object({ id: Uuid }),
        response: { 200: ProjectView, ...errorResponses },
      },
    },
    async (request) => {
      const project = await projects.find(principalOf(request).organizationId, request.params.id);
      if (!project) throw notFound('Project');
      return view(project);
    },
  );

  app.patch(
    '/v1/projects/:id',
    {
      onRequest: canWrite,
      schema: {
        tags: ['projects'],
        summary: 'Rename, describe, archive (archived: true) or restore a project',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          {
            name: Type.Optional(Name),
            description: Type.Optional(Description),
            archived: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ProjectView, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { name, description, archived } = request.body;
      const project = await projects.update(
        principal.organizationId,
        request.params.id,
        { name: name?.trim(), description, archived },
        now(),
      );
      if (!project) throw notFound('Project');
      const action =
        archived === true ? 'project.archived' : archived === false ? 'project.restored' : 'project.updated';
      await activity(principal, action, { type: 'project', id: project.id }, { name: project.name });
      return view(project);
    },
  );

  app.post(
    '/v1/projects/:id/items',
    {
      onRequest: canWrite,
      schema: {
        tags: ['projects'],
        summary: 'File uploads, renders and batches (with their renders) under the project',
        description:
          'All or nothing: an id that is not the organization’s fails the request. PATCH an item with projectId null to take it out.',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          { assetIds: Type.Optional(Ids), renderIds: Type.Optional(Ids), batchIds: Type.Optional(Ids) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Object({ moved: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const moved = await projects.assign(principal.organizationId, request.params.id, request.body);
      await activity(principal, 'project.items_added', { type: 'project', id: request.params.id }, { moved });
      return { moved };
    },
  );
};
