/** Refresh tokens: stored as digests, rotated on use, revoked by family on reuse. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';

export type RotationResult =
  | { status: 'rotated'; userId: string; familyId: string }
  | { status: 'unknown' | 'expired' }
  /** `accept` said no: the token stays as it was, usable again. */
  | { status: 'refused' }
  | { status: 'reused'; userId: string };

export class SessionsRepository {
  constructor(private readonly db: Database) {}

  async create(userId: string, tokenHash: string, expiresAt: Date, familyId: string = randomUUID()): Promise<void> {
    await this.db.refreshToken.create({ data: { id: randomUUID(), userId, familyId, tokenHash, expiresAt } });
  }

  /**
   * Marks the presented token used and stores its successor, atomically. A token already used
   * (or revoked) means it leaked: the whole family is revoked and the caller must sign in again.
   * `accept` may refuse a valid token's use (a refresh into an organization its user is not in)
   * before anything changes.
   */
  async rotate(
    tokenHash: string,
    nextHash: string,
    nextExpiresAt: Date,
    now: Date,
    accept: (userId: string) => Promise<boolean> = async () => true,
  ): Promise<RotationResult> {
    return this.db.$transaction(async (tx) => {
      const current = await tx.refreshToken.findUnique({ where: { tokenHash } });
      if (!current) return { status: 'unknown' };
      if (current.usedAt || current.revokedAt) {
        await tx.refreshToken.updateMany({
          where: { familyId: current.familyId, revokedAt: null },
          data: { revokedAt: now },
        });
        return { status: 'reused', userId: current.userId };
      }
      if (current.expiresAt <= now) return { status: 'expired' };
      if (!(await accept(current.userId))) return { status: 'refused' };
      // Conditional update: of two concurrent refreshes with the same token, one wins.
      const claimed = await tx.refreshToken.updateMany({
        where: { id: current.id, usedAt: null, revokedAt: null },
        data: { usedAt: now },
      });
      if (claimed.count !== 1) {
        await tx.refreshToken.updateMany({
          where: { familyId: current.familyId, revokedAt: null },
          data: { revokedAt: now },
        });
        return { status: 'reused', userId: current.userId };
      }
      await tx.refreshToken.create({
        data: {
          id: randomUUID(),
          userId: current.userId,
          familyId: current.familyId,
          tokenHash: nextHash,
          expiresAt: nextExpiresAt,
        },
      });
      return { status: 'rotated', userId: current.userId, familyId: current.familyId };
    });
  }

  /** Logout: revokes the family the token belongs to. */
  async revokeFamilyOf(tokenHash: string, now: Date): Promise<void> {
    const current = await this.db.refreshToken.findUnique({ where: { tokenHash } });
    if (current)
      await this.db.refreshToken.updateMany({
        where: { familyId: current.familyId, revokedAt: null },
        data: { revokedAt: now },
      });
  }
}
