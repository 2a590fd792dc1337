/** Single-use e-mailed tokens (verification, password reset), kept as SHA-256 digests. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { Tx } from './render-states-repository.js';

export type TokenPurpose = 'verify_email' | 'reset_password';

export type ConsumeResult =
  { status: 'ok'; userId: string; email: string } | { status: 'unknown' | 'expired' | 'used' };

export class UserTokensRepository {
  constructor(private readonly db: Database) {}

  async create(input: {
    userId: string;
    purpose: TokenPurpose;
    tokenHash: string;
    email: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.db.userToken.create({ data: { id: randomUUID(), ...input } });
  }

  /** Tokens of this purpose the user was sent since `since` (the resend limit). */
  async countSince(userId: string, purpose: TokenPurpose, since: Date): Promise<number> {
    return this.db.userToken.count({ where: { userId, purpose, createdAt: { gte: since } } });
  }

  /**
   * Uses the token once: of two requests with it, one wins. `then` runs in the same
   * transaction, so what the token unlocks happens exactly when the token is spent.
   */
  async consume(
    tokenHash: string,
    purpose: TokenPurpose,
    now: Date,
    then: (tx: Tx, userId: string, email: string) => Promise<void>,
  ): Promise<ConsumeResult> {
    return this.db.$transaction(async (tx) => {
      const row = await tx.userToken.findUnique({ where: { tokenHash } });
      if (!row || row.purpose !== purpose) return { status: 'unknown' };
      if (row.usedAt) return { status: 'used' };
      if (row.expiresAt <= now) return { status: 'expired' };
      const claimed = await tx.userToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: now } });
      if (claimed.count !== 1) return { status: 'used' };
      // Any other outstanding link of the same purpose stops working too.
      await tx.userToken.updateMany({ where: { userId: row.userId, purpose, usedAt: null }, data: { usedAt: now } });
      await then(tx, row.userId, row.email);
      return { status: 'ok', userId: row.userId, email: row.email };
    });
  }
}
