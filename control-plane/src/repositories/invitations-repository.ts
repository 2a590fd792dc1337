/** Invitations to an organization; the token is kept as a digest and replaced on every resend. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { MemberRole } from '../domain.js';
import { Prisma } from '../generated/prisma/client.js';
import { recordActivity } from './activity-repository.js';
import type { Principal } from '../domain.js';

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface Invitation {
  id: string;
  organizationId: string;
  organizationName: string;
  email: string;
  role: MemberRole;
  invitedByName: string | undefined;
  status: InvitationStatus;
  sentCount: number;
  lastSentAt: Date;
  expiresAt: Date;
  createdAt: Date;
}

type Row = Prisma.InvitationGetPayload<{ include: { organization: { select: { name: true } } } }>;

function statusOf(row: Row, now: Date): InvitationStatus {
  if (row.acceptedAt) return 'accepted';
  if (row.revokedAt) return 'revoked';
  return row.expiresAt <= now ? 'expired' : 'pending';
}

export type AcceptResult =
  | { status: 'accepted'; organizationId: string; role: MemberRole }
  | { status: 'unknown' | 'expired' | 'used' | 'already-member' | 'account-exists' }
  | { status: 'wrong-address'; email: string };

export class InvitationsRepository {
  constructor(private readonly db: Database) {}

  private async view(rows: Row[], now: Date): Promise<Invitation[]> {
    const inviterIds = [...new Set(rows.map((r) => r.invitedById).filter((id): id is string => Boolean(id)))];
    const inviters = new Map(
      (await this.db.user.findMany({ where: { id: { in: inviterIds } }, select: { id: true, name: true } })).map(
        (u) => [u.id, u.name],
      ),
    );
    return rows.map((r) => ({
      id: r.id,
      organizationId: r.organizationId,
      organizationName: r.organization.name,
      email: r.email,
      role: r.role,
      invitedByName: r.invitedById ? inviters.get(r.invitedById) : undefined,
      status: statusOf(r, now),
      sentCount: r.sentCount,
      lastSentAt: r.lastSentAt,
      expiresAt: r.expiresAt,
      createdAt: r.createdAt,
    }));
  }

  async list(organizationId: string, now: Date): Promise<Invitation[]> {
    const rows = await this.db.invitation.findMany({
      where: { organizationId },
      include: { organization: { select: { name: true } } },
      orderBy: { createdAt: 'desc' },
      take: 200,
    });
    return this.view(rows, now);
  }

  async find(organizationId: string, id: string, now: Date): Promise<Invitation | undefined> {
    const row = await this.db.invitation.findFirst({
      where: { id, organizationId },
      include: { organization: { select: { name: true } } },
    });
    return row ? (await this.view([row], now))[0] : undefined;
  }

  async findByToken(tokenHash: string, now: Date): Promise<Invitation | undefined> {
    const row = await this.db.invitation.findUnique({
      where: { tokenHash },
      include: { organization: { select: { name: true } } },
    });
    return row ? (await this.view([row], now))[0] : undefined;
  }

  async pendingCount(organizationId: string, now: Date): Promise<number> {
    return this.db.invitation.count({
      where: { organizationId, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
    });
  }

  async isMember(organizationId: string, email: string): Promise<boolean> {
    const found = await this.db.membership.findFirst({ where: { organizationId, user: { email } } });
    return found !== null;
  }

  /**
   * Invites the address, or renews its open invitation (new token and expiry, the role given
   * now); returns the invitation's id.
   */
  async upsert(
    principal: Principal & { kind: 'user' },
    input: { email: string; role: MemberRole; tokenHash: string; expiresAt: Date },
    now: Date,
  ): Promise<string> {
    return this.db.$transaction(async (tx) => {
      const open = await tx.invitation.findFirst({
        where: { organizationId: principal.organizationId, email: input.email, acceptedAt: null, revokedAt: null },
      });
      const id = open?.id ?? randomUUID();
      if (open)
        await tx.invitation.update({
          where: { id },
          data: {
            role: input.role,
            tokenHash: input.tokenHash,
            expiresAt: input.expiresAt,
            lastSentAt: now,
            sentCount: { increment: 1 },
          },
        });
      else
        await tx.invitation.create({
          data: {
            id,
            organizationId: principal.organizationId,
            email: input.email,
            role: input.role,
            tokenHash: input.tokenHash,
            invitedById: principal.userId,
            expiresAt: input.expiresAt,
            lastSentAt: now,
            createdAt: now,
          },
        });
      await recordActivity(
        tx,
        principal,
        open ? 'invitation.resent' : 'invitation.created',
        {
          type: 'invitation',
          id,
        },
        { email: input.email, role: input.role },
      );
      return id;
    });
  }

  /** A new link for an open invitation (the old one stops working); false when it is not open. */
  async renew(principal: Principal, id: string, tokenHash: string, expiresAt: Date, now: Date): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const changed = await tx.invitation.updateMany({
        where: { id, organizationId: principal.organizationId, acceptedAt: null, revokedAt: null },
        data: { tokenHash, expiresAt, lastSentAt: now, sentCount: { increment: 1 } },
      });
      if (changed.count === 1) await recordActivity(tx, principal, 'invitation.resent', { type: 'invitation', id });
      return changed.count === 1;
    });
  }

  async revoke(principal: Principal, id: string, now: Date): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const changed = await tx.invitation.updateMany({
        where: { id, organizationId: principal.organizationId, acceptedAt: null, revokedAt: null },
        data: { revokedAt: now },
      });
      if (changed.count === 1) await recordActivity(tx, principal, 'invitation.revoked', { type: 'invitation', id });
      return changed.count === 1;
    });
  }

  /**
   * The invitee accepts: the membership, the invitation's end and the activity in one
   * transaction (of two accepts, one wins). `createUser` makes the account first when the
   * invitee has none; otherwise `userId` must have the invited address.
   */
  async accept(
    tokenHash: string,
    now: Date,
    who: { userId: string } | { createUser: { id: string; name: string; passwordHash: string } },
  ): Promise<AcceptResult> {
    return this.db.$transaction(async (tx) => {
      const row = await tx.invitation.findUnique({ where: { tokenHash } });
      if (!row || row.revokedAt) return { status: 'unknown' };
      if (row.acceptedAt) return { status: 'used' };
      if (row.expiresAt <= now) return { status: 'expired' };
      let userId: string;
      if ('userId' in who) {
        const user = await tx.user.findUnique({ where: { id: who.userId } });
        if (!user) return { status: 'unknown' };
        if (user.email !== row.email) return { status: 'wrong-address', email: row.email };
        userId = user.id;
        // The link reached this mailbox: that proves the address.
        if (!user.emailVerifiedAt) await tx.user.update({ where: { id: userId }, data: { emailVerifiedAt: now } });
      } else {
        try {
          await tx.user.create({
            data: { ...who.createUser, email: row.email, emailVerifiedAt: now },
          });
        } catch (err) {
          if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
            return { status: 'account-exists' };
          throw err;
        }
        userId = who.createUser.id;
      }
      const exists = await tx.membership.findUnique({
        where: { organizationId_userId: { organizationId: row.organizationId, userId } },
      });
      if (exists) return { status: 'already-member' };
      await tx.membership.create({ data: { organizationId: row.organizationId, userId, role: row.role } });
      await tx.invitation.update({ where: { id: row.id }, data: { acceptedAt: now, acceptedById: userId } });
      await recordActivity(
        tx,
        {
          kind: 'user',
          userId,
          organizationId: row.organizationId,
          role: row.role,
          isPlatformAdmin: false,
          emailVerified: true,
        },
        'member.joined',
        { type: 'user', id: userId },
        { role: row.role, invitationId: row.id },
      );
      return { status: 'accepted', organizationId: row.organizationId, role: row.role };
    });
  }
}
