/**
 * Joining a team by consent: an admin invites an address with a role, the invitee accepts
 * through the mailed link (signing in, or creating an account with that address) and only
 * then becomes a member. Invitations last 7 days and can be resent or revoked.
 */
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../auth/passwords.js';
import { newRefreshToken, sha256 } from '../auth/secrets.js';
import type { MemberRole, Principal } from '../domain.js';
import { ApiError, notFound } from '../errors.js';
import type { ImmediateMail } from '../mail/immediate-mail.js';
import type { MailTemplates } from '../mail/templates.js';
import type { AccountsRepository } from '../repositories/accounts-repository.js';
import type { Invitation, InvitationsRepository } from '../repositories/invitations-repository.js';
import { linkError } from './link-errors.js';
import { normaliseEmail } from './accounts-service.js';

const LIFETIME_MS = 7 * 86_400_000;
const MAX_OPEN = 100;
const RESEND_AFTER_MS = 60_000;

type UserPrincipal = Principal & { kind: 'user' };

export class Invitations {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly accounts: AccountsRepository,
    private readonly mail: ImmediateMail,
    private readonly templates: MailTemplates,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(organizationId: string): Promise<Invitation[]> {
    return this.invitations.list(organizationId, this.now());
  }

  async invite(principal: UserPrincipal, rawEmail: string, role: MemberRole): Promise<Invitation> {
    const email = normaliseEmail(rawEmail);
    const now = this.now();
    if (await this.invitations.isMember(principal.organizationId, email))
      throw new ApiError('CUTLINE_ALREADY_MEMBER', 'That address is already a member of the organization.', [
        { field: 'email', message: 'is already a member' },
      ]);
    if ((await this.invitations.pendingCount(principal.organizationId, now)) >= MAX_OPEN)
      throw new ApiError('CUTLINE_PLAN_LIMIT', `At most ${MAX_OPEN} invitations can be open at once.`);
    const { token, hash } = newRefreshToken();
    const id = await this.invitations.upsert(
      principal,
      { email, role, tokenHash: hash, expiresAt: new Date(now.getTime() + LIFETIME_MS) },
      now,
    );
    const invitation = (await this.invitations.find(principal.organizationId, id, now))!;
    await this.mailTo(principal, invitation, token);
    return invitation;
  }

  async resend(principal: UserPrincipal, id: string): Promise<Invitation> {
    const now = this.now();
    const current = await this.invitations.find(principal.organizationId, id, now);
    if (!current) throw notFound('Invitation');
    if (current.status === 'accepted' || current.status === 'revoked')
      throw new ApiError('CUTLINE_CONFLICT', `The invitation was ${current.status}; invite the address again.`);
    if (now.getTime() - current.lastSentAt.getTime() < RESEND_AFTER_MS)
      throw new ApiError('CUTLINE_RATE_LIMITED', 'The invitation was just sent; wait a minute before resending.');
    const { token, hash } = newRefreshToken();
    if (!(await this.invitations.renew(principal, id, hash, new Date(now.getTime() + LIFETIME_MS), now)))
      throw notFound('Invitation');
    const invitation = (await this.invitations.find(principal.organizationId, id, now))!;
    await this.mailTo(principal, invitation, token);
    return invitation;
  }

  async revoke(principal: UserPrincipal, id: string): Promise<void> {
    if (!(await this.invitations.revoke(principal, id, this.now()))) throw notFound('Invitation');
  }

  /** What the accept page shows before anyone signs in. */
  async lookup(token: string): Promise<Invitation> {
    const invitation = await this.invitations.findByToken(sha256(token), this.now());
    if (!invitation || invitation.status === 'revoked') throw linkError('unknown', 'invitation');
    if (invitation.status === 'accepted') throw linkError('used', 'invitation');
    if (invitation.status === 'expired') throw linkError('expired', 'invitation');
    return invitation;
  }

  /** A signed-in invitee (with the invited address) joins. */
  async accept(userId: string, token: string): Promise<{ organizationId: string; role: MemberRole }> {
    return this.outcome(await this.invitations.accept(sha256(token), this.now(), { userId }));
  }

  /** An invitee without an account makes one with the invited address and joins. */
  async acceptAsNewUser(
    token: string,
    input: { name: string; password: string },
  ): Promise<{ organizationId: string; role: MemberRole; userId: string }> {
    const id = randomUUID();
    const passwordHash = await hashPassword(input.password);
    const joined = this.outcome(
      await this.invitations.accept(sha256(token), this.now(), {
        createUser: { id, name: input.name.trim(), passwordHash },
      }),
    );
    return { ...joined, userId: id };
  }

  private outcome(result: Awaited<ReturnType<InvitationsRepository['accept']>>) {
    switch (result.status) {
      case 'accepted':
        return { organizationId: result.organizationId, role: result.role };
      case 'unknown':
      case 'expired':
      case 'used':
        throw linkError(result.status, 'invitation');
      case 'already-member':
        throw new ApiError('CUTLINE_ALREADY_MEMBER', 'You are already a member of this organization.');
      case 'account-exists':
        throw new ApiError('CUTLINE_EMAIL_TAKEN', 'An account with this address exists; sign in to accept.', [
          { field: 'email', message: 'is already registered' },
        ]);
      case 'wrong-address':
        throw new ApiError(
          'CUTLINE_INVITATION_EMAIL_MISMATCH',
          `This invitation is for ${result.email}; sign in with that address to accept it.`,
        );
    }
  }

  private async mailTo(principal: UserPrincipal, invitation: Invitation, token: string): Promise<void> {
    const inviter = await this.accounts.findUser(principal.userId);
    this.mail.send(
      this.templates.invitation(invitation.email, {
        inviter: inviter?.name ?? 'A colleague',
        organization: invitation.organizationName,
        role: invitation.role,
        token,
      }),
    );
  }
}
