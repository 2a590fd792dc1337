/** Mail waiting to be sent (mail_messages): written with its cause, claimed by the sender. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { OutgoingMail } from '../mail/mailer.js';
import type { Tx } from './render-states-repository.js';

export interface QueuedMail extends OutgoingMail {
  kind: string;
  /** One message per cause and recipient: the same key again adds nothing. */
  dedupeKey: string;
}

export interface ClaimedMail extends OutgoingMail {
  id: string;
  attempts: number;
}

export class MailRepository {
  constructor(private readonly db: Database) {}

  /** Queues mail inside the caller's transaction (or alone); duplicates of a key are skipped. */
  static async enqueue(tx: Tx | Database, mails: QueuedMail[]): Promise<number> {
    if (mails.length === 0) return 0;
    const result = await tx.mailMessage.createMany({
      data: mails.map((m) => ({
        id: randomUUID(),
        dedupeKey: m.dedupeKey,
        kind: m.kind,
        toAddress: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
      })),
      skipDuplicates: true,
    });
    return result.count;
  }

  /**
   * Claims up to `limit` due messages: each is leased for `leaseMs` (a sender that dies with
   * one lets another send it after that) and its attempt counted.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedMail[]> {
    const rows = await this.db.$queryRaw<
      Array<{ id: string; to_address: string; subject: string; text: string; html: string; attempts: number }>
    >`
      UPDATE mail_messages m SET attempts = m.attempts + 1, next_attempt_at = now() + ${leaseMs} * interval '1 millisecond'
       WHERE m.id IN (SELECT id FROM mail_messages WHERE status = 'pending' AND next_attempt_at <= now()
                       ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING m.id::text AS id, m.to_address, m.subject, m.text, m.html, m.attempts`;
    return rows.map((r) => ({
      id: r.id,
      to: r.to_address,
      subject: r.subject,
      text: r.text,
      html: r.html,
      attempts: r.attempts,
    }));
  }

  async markSent(id: string, now: Date): Promise<void> {
    await this.db.mailMessage.update({ where: { id }, data: { status: 'succeeded', sentAt: now, lastError: null } });
  }

  /** A failed try: again at `retryAt`, or given up when that is undefined. */
  async markFailed(id: string, error: string, retryAt: Date | undefined): Promise<void> {
    await this.db.mailMessage.update({
      where: { id },
      data: retryAt
        ? { lastError: error.slice(0, 500), nextAttemptAt: retryAt }
        : { lastError: error.slice(0, 500), status: 'failed' },
    });
  }
}
