/** Comments on renders: one thread per render, with the names of their authors. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { Tx } from './render-states-repository.js';

export interface Comment {
  id: string;
  renderId: string;
  authorId: string | null;
  authorName: string | null;
  body: string;
  atSeconds: number | null;
  mentions: string[];
  resolvedAt: Date | null;
  resolvedById: string | null;
  createdAt: Date;
  editedAt: Date | null;
}

export interface CommentListQuery {
  offset: number;
  limit: number;
  order: 'asc' | 'desc';
  resolved?: boolean | undefined;
}

const SELECT = {
  id: true,
  renderId: true,
  authorId: true,
  body: true,
  atSeconds: true,
  mentions: true,
  resolvedAt: true,
  resolvedById: true,
  createdAt: true,
  editedAt: true,
} as const;

type Row = Omit<Comment, 'authorName' | 'mentions'> & { mentions: string[] | null };

export class CommentsRepository {
  constructor(private readonly db: Database) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.$transaction(work);
  }

  async list(
    organizationId: string,
    renderId: string,
    query: CommentListQuery,
  ): Promise<{ items: Comment[]; total: number }> {
    const where = {
      organizationId,
      renderId,
      ...(query.resolved === true
        ? { resolvedAt: { not: null } }
        : query.resolved === false
          ? { resolvedAt: null }
          : {}),
    };
    const [rows, total] = await Promise.all([
      this.db.comment.findMany({
        where,
        select: SELECT,
        orderBy: [{ createdAt: query.order }, { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
      }),
      this.db.comment.count({ where }),
    ]);
    return { items: await this.named(rows as Row[]), total };
  }

  async find(organizationId: string, id: string): Promise<Comment | undefined> {
    const row = await this.db.comment.findFirst({ where: { id, organizationId }, select: SELECT });
    return row ? (await this.named([row as Row]))[0] : undefined;
  }

  static async insert(
    tx: Tx,
    input: {
      organizationId: string;
      renderId: string;
      authorId: string;
      body: string;
      atSeconds: number | null;
      mentions: string[];
    },
  ): Promise<string> {
    const id = randomUUID();
    await tx.comment.create({ data: { id, ...input } });
    return id;
  }

  async update(
    organizationId: string,
    id: string,
    data: { body?: string; editedAt?: Date; resolvedAt?: Date | null; resolvedById?: string | null },
  ): Promise<Comment | undefined> {
    const { count } = await this.db.comment.updateMany({ where: { id, organizationId }, data });
    return count === 0 ? undefined : this.find(organizationId, id);
  }

  async delete(organizationId: string, id: string): Promise<boolean> {
    return (await this.db.comment.deleteMany({ where: { id, organizationId } })).count > 0;
  }

  /** Of these users, the organization's members, by id; and those whose address is one of `emails`. */
  static async members(
    tx: Tx,
    organizationId: string,
    ids: string[],
    emails: string[],
  ): Promise<Array<{ id: string; name: string; email: string }>> {
    if (ids.length === 0 && emails.length === 0) return [];
    const rows = await tx.membership.findMany({
      where: {
        organizationId,
        user: { OR: [{ id: { in: ids } }, { email: { in: emails, mode: 'insensitive' } }] },
      },
      select: { user: { select: { id: true, name: true, email: true } } },
    });
    return rows.map((r) => r.user);
  }

  private async named(rows: Row[]): Promise<Comment[]> {
    const authorIds = [...new Set(rows.flatMap((r) => (r.authorId ? [r.authorId] : [])))];
    const users = authorIds.length
      ? await this.db.user.findMany({ where: { id: { in: authorIds } }, select: { id: true, name: true } })
      : [];
    const names = new Map(users.map((u) => [u.id, u.name]));
    return rows.map((r) => ({
      ...r,
      mentions: r.mentions ?? [],
      authorName: r.authorId ? (names.get(r.authorId) ?? null) : null,
    }));
  }
}
