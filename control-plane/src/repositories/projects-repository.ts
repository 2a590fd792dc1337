/** Projects: an organization's media grouped by client or campaign, and what belongs to each. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import { ApiError } from '../errors.js';
import { isUniqueViolation } from './renders-repository.js';

export interface Project {
  id: string;
  name: string;
  description: string;
  archivedAt: Date | null;
  createdById: string | null;
  createdAt: Date;
  updatedAt: Date;
  counts: { assets: number; renders: number; batches: number };
}

export interface ProjectListQuery {
  offset: number;
  limit: number;
  sort: 'createdAt' | 'name' | 'updatedAt';
  order: 'asc' | 'desc';
  q?: string | undefined;
  /** Archived projects are hidden unless asked for. */
  archived?: boolean | undefined;
}

/** What moves into (or out of) a project in one request. */
export interface ProjectMembers {
  assetIds?: string[] | undefined;
  renderIds?: string[] | undefined;
  batchIds?: string[] | undefined;
}

const SELECT = {
  id: true,
  name: true,
  description: true,
  archivedAt: true,
  createdById: true,
  createdAt: true,
  updatedAt: true,
  _count: {
    select: {
      assets: { where: { deletedAt: null } },
      renders: true,
      batches: true,
    },
  },
} as const;

type Row = Omit<Project, 'counts'> & { _count: { assets: number; renders: number; batches: number } };

function toProject({ _count, ...row }: Row): Project {
  return { ...row, counts: _count };
}

function nameTaken(name: string): ApiError {
  return new ApiError('CUTLINE_CONFLICT', `There is already a project called “${name}”.`, [
    { field: 'name', message: 'is taken by another project' },
  ]);
}

export class ProjectsRepository {
  constructor(private readonly db: Database) {}

  async list(organizationId: string, query: ProjectListQuery): Promise<{ items: Project[]; total: number }> {
    const where = {
      organizationId,
      ...(query.archived === true
        ? { archivedAt: { not: null } }
        : query.archived === false
          ? { archivedAt: null }
          : {}),
      ...(query.q ? { name: { contains: query.q, mode: 'insensitive' as const } } : {}),
    };
    const [rows, total] = await Promise.all([
      this.db.project.findMany({
        where,
        select: SELECT,
        orderBy: [{ [query.sort]: query.order }, { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
      }),
      this.db.project.count({ where }),
    ]);
    return { items: rows.map((r) => toProject(r as Row)), total };
  }

  async find(organizationId: string, id: string): Promise<Project | undefined> {
    const row = await this.db.project.findFirst({ where: { id, organizationId }, select: SELECT });
    return row ? toProject(row as Row) : undefined;
  }

  async create(
    organizationId: string,
    createdById: string | null,
    input: { name: string; description?: string | undefined },
  ): Promise<Project> {
    try {
      const row = await this.db.project.create({
        data: {
          id: randomUUID(),
          organizationId,
          createdById,
          name: input.name,
          description: input.description ?? '',
        },
        select: SELECT,
      });
      return toProject(row as Row);
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(input.name);
      throw err;
    }
  }

  async update(
    organizationId: string,
    id: string,
    changes: { name?: string | undefined; description?: string | undefined; archived?: boolean | undefined },
    now: Date,
  ): Promise<Project | undefined> {
    const data = {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.archived !== undefined ? { archivedAt: changes.archived ? now : null } : {}),
    };
    try {
      const { count } = await this.db.project.updateMany({ where: { id, organizationId }, data });
      if (count === 0) return undefined;
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(changes.name ?? '');
      throw err;
    }
    return this.find(organizationId, id);
  }

  /**
   * Throws unless `projectId` names one of the organization's projects that is open for new
   * media (an archived project keeps what it has and takes nothing new).
   */
  async assertOpen(organizationId: string, projectId: string, field = 'projectId'): Promise<void> {
    const project = await this.db.project.findFirst({
      where: { id: projectId, organizationId },
      select: { archivedAt: true },
    });
    if (!project)
      throw new ApiError('CUTLINE_NOT_FOUND', 'No such project in this organization.', [
        { field, message: 'not found' },
      ]);
    if (project.archivedAt)
      throw new ApiError('CUTLINE_CONFLICT', 'The project is archived; restore it to add media.', [
        { field, message: 'is archived' },
      ]);
  }

  /** Files uploads that belong to no project yet under this one (those a video of the project used). */
  async adoptUnfiled(organizationId: string, projectId: string, assetIds: string[]): Promise<void> {
    if (assetIds.length === 0) return;
    await this.db.asset.updateMany({
      where: { id: { in: assetIds }, organizationId, projectId: null },
      data: { projectId },
    });
  }

  /**
   * Moves the organization's assets, renders and batches into the project (or out of any, with
   * null), all or none: an id of another organization, or none at all, fails the whole request.
   */
  async assign(organizationId: string, projectId: string | null, members: ProjectMembers): Promise<number> {
    if (projectId !== null) await this.assertOpen(organizationId, projectId, 'id');
    const unique = (ids: string[] | undefined) => [...new Set(ids ?? [])];
    const [assetIds, renderIds, batchIds] = [
      unique(members.assetIds),
      unique(members.renderIds),
      unique(members.batchIds),
    ];
    return this.db.$transaction(async (tx) => {
      const data = { projectId };
      const assets = assetIds.length
        ? (await tx.asset.updateMany({ where: { id: { in: assetIds }, organizationId, deletedAt: null }, data })).count
        : 0;
      if (assets !== assetIds.length) throw notFoundIn('assetIds');
      const renders = renderIds.length
        ? (await tx.render.updateMany({ where: { id: { in: renderIds }, organizationId }, data })).count
        : 0;
      if (renders !== renderIds.length) throw notFoundIn('renderIds');
      const batches = batchIds.length
        ? (await tx.batch.updateMany({ where: { id: { in: batchIds }, organizationId }, data })).count
        : 0;
      if (batches !== batchIds.length) throw notFoundIn('batchIds');
      // A batch's renders go with it.
      if (batchIds.length) await tx.render.updateMany({ where: { batchId: { in: batchIds }, organizationId }, data });
      if (projectId !== null) await tx.project.update({ where: { id: projectId }, data: { updatedAt: new Date() } });
      return assets + renders + batches;
    });
  }
}

function notFoundIn(field: string): ApiError {
  return new ApiError('CUTLINE_NOT_FOUND', `Some of ${field} are not this organization's.`, [
    { field, message: 'names something not found' },
  ]);
}
