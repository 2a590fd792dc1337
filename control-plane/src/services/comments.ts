/**
 * Feedback on renders. A comment is plain text (shown escaped everywhere), optionally at a
 * time position of the video; the members it mentions hear of it through the notifier
 * (a `comment.mentioned` notification event, written with the comment).
 */
import type { Principal } from '../domain.js';
import { ApiError, notFound } from '../errors.js';
import { recordActivity } from '../repositories/activity-repository.js';
import { CommentsRepository, type Comment } from '../repositories/comments-repository.js';
import type { RendersRepository } from '../repositories/renders-repository.js';
import { roleAtLeast } from '../http/authenticate.js';

export const MAX_COMMENT_CHARS = 2000;
const MAX_MENTIONS = 20;
// Line breaks and tabs are text; other control characters are not.
const CONTROL = /(?![\n\t])[\p{Cc}\u2028\u2029]/u;
const EMAIL_MENTION = /(?:^|\s)@([^\s@<>]+@[^\s@<>]+\.[^\s@<>.,;:!?]+)/gu;

export interface NewComment {
  body: string;
  atSeconds?: number | undefined;
  /** Members picked in the composer; `@address` in the body mentions too. */
  mentions?: string[] | undefined;
}

type Author = Principal & { kind: 'user' };

export class Comments {
  constructor(
    private readonly comments: CommentsRepository,
    private readonly renders: Pick<RendersRepository, 'find'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(author: Author, renderId: string, input: NewComment): Promise<Comment> {
    const render = await this.renders.find(author.organizationId, renderId);
    if (!render) throw notFound('Render');
    const body = checkedBody(input.body);
    const atSeconds = checkedPosition(input.atSeconds, render.durationSeconds);
    const emails = [...body.matchAll(EMAIL_MENTION)].map((m) => m[1]!.toLowerCase());
    const asked = [...new Set(input.mentions ?? [])];
    const id = await this.comments.transaction(async (tx) => {
      const members = await CommentsRepository.members(tx, author.organizationId, asked, emails);
      const unknown = asked.filter((userId) => !members.some((m) => m.id === userId));
      if (unknown.length > 0)
        throw new ApiError('CUTLINE_VALIDATION_FAILED', 'Only members of the organization can be mentioned.', [
          { field: 'mentions', message: 'names someone who is not a member' },
        ]);
      const mentioned = members.filter((m) => m.id !== author.userId).slice(0, MAX_MENTIONS);
      const id = await CommentsRepository.insert(tx, {
        organizationId: author.organizationId,
        renderId,
        authorId: author.userId,
        body,
        atSeconds,
        mentions: mentioned.map((m) => m.id),
      });
      await recordActivity(tx, author, 'comment.created', { type: 'render', id: renderId }, { commentId: id });
      if (mentioned.length > 0)
        await tx.notificationEvent.create({
          data: {
            organizationId: author.organizationId,
            type: 'comment.mentioned',
            payload: { commentId: id, renderId, authorId: author.userId, userIds: mentioned.map((m) => m.id) },
          },
        });
      return id;
    });
    return (await this.comments.find(author.organizationId, id))!;
  }

  /** A new text (its author only), or resolved / reopened (any member). */
  async change(
    author: Author,
    id: string,
    changes: { body?: string | undefined; resolved?: boolean | undefined },
  ): Promise<Comment> {
    const comment = await this.comments.find(author.organizationId, id);
    if (!comment) throw notFound('Comment');
    if (changes.body !== undefined && comment.authorId !== author.userId)
      throw new ApiError('CUTLINE_FORBIDDEN', 'Only its author can edit a comment.', [
        { field: 'body', message: 'is not yours to edit' },
      ]);
    const now = this.now();
    const updated = await this.comments.update(author.organizationId, id, {
      ...(changes.body !== undefined ? { body: checkedBody(changes.body), editedAt: now } : {}),
      ...(changes.resolved !== undefined
        ? { resolvedAt: changes.resolved ? now : null, resolvedById: changes.resolved ? author.userId : null }
        : {}),
    });
    if (!updated) throw notFound('Comment');
    return updated;
  }

  /** Its author, or an owner or admin, removes it. */
  async remove(author: Author, id: string): Promise<void> {
    const comment = await this.comments.find(author.organizationId, id);
    if (!comment) throw notFound('Comment');
    if (comment.authorId !== author.userId && !roleAtLeast(author.role, 'admin'))
      throw new ApiError('CUTLINE_FORBIDDEN', 'Only its author or an admin can delete a comment.');
    await this.comments.delete(author.organizationId, id);
  }
}

function checkedBody(raw: string): string {
  const body = raw.replace(/\r\n?/g, '\n').trim();
  const problem =
    body.length === 0
      ? 'is empty'
      : body.length > MAX_COMMENT_CHARS
        ? `is longer than ${MAX_COMMENT_CHARS} characters`
        : CONTROL.test(body)
          ? 'contains control characters'
          : undefined;
  if (problem)
    throw new ApiError('CUTLINE_VALIDATION_FAILED', `The comment ${problem}.`, [{ field: 'body', message: problem }]);
  return body;
}

/** Seconds into the video, within it when its length is known. */
function checkedPosition(at: number | undefined, durationSeconds: number | null): number | null {
  if (at === undefined) return null;
  if (at < 0 || (durationSeconds !== null && at > durationSeconds + 0.05))
    throw new ApiError(
      'CUTLINE_VALIDATION_FAILED',
      durationSeconds !== null
        ? `The time must be between 0 and ${durationSeconds.toFixed(1)} s, the length of the video.`
        : 'The time cannot be negative.',
      [{ field: 'atSeconds', message: 'is outside the video' }],
    );
  return Math.round(at * 100) / 100;
}
