/**
 * Sign-up, sign-in, token refresh with rotation, sign-out, and switching organization.
 * Returns plain data; the routes decide what goes in the response.
 */
import { AccessTokens } from '../auth/access-tokens.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../auth/passwords.js';
import { newRefreshToken, sha256 } from '../auth/secrets.js';
import type { MemberRole, Organization, User } from '../domain.js';
import { ApiError } from '../errors.js';
import { EmailTakenError, type AccountsRepository } from '../repositories/accounts-repository.js';
import type { SessionsRepository } from '../repositories/sessions-repository.js';
import { FailureLimiter } from '../lib/failure-limiter.js';

export interface Session {
  accessToken: string;
  accessTokenExpiresIn: number;
  refreshToken: string;
  user: User;
  organization: Organization;
  role: MemberRole;
}

export class AccountsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly sessions: SessionsRepository,
    private readonly tokens: AccessTokens,
    private readonly refreshTokenDays: number,
    private readonly now: () => Date = () => new Date(),
    private readonly loginFailures: FailureLimiter = new FailureLimiter(10, 15 * 60_000),
    /** After sign-up (the verification mail); a failure there does not undo the account. */
    private readonly registered: (user: User) => Promise<void> = async () => undefined,
  ) {}

  async register(input: {
    email: string;
    password: string;
    name: string;
    organizationName?: string | undefined;
  }): Promise<Session> {
    const email = normaliseEmail(input.email);
    const passwordHash = await hashPassword(input.password);
    try {
      const { user, organization } = await this.accounts.createUserWithOrganization({
        email,
        name: input.name.trim(),
        passwordHash,
        organizationName: input.organizationName?.trim() || `${input.name.trim()}'s team`,
      });
      await this.registered(user).catch(() => undefined);
      return this.openSession(user, organization, 'owner');
    } catch (err) {
      if (err instanceof EmailTakenError)
        throw new ApiError('CUTLINE_EMAIL_TAKEN', 'An account with this e-mail already exists.', [
          { field: 'email', message: 'is already registered' },
        ]);
      throw err;
    }
  }

  async login(input: { email: string; password: string; organizationId?: string | undefined }): Promise<Session> {
    const email = normaliseEmail(input.email);
    // Per account, whatever address the guesses come from (the routes also limit per address).
    const wait = this.loginFailures.retryAfterSeconds(email);
    if (wait > 0)
      throw new ApiError('CUTLINE_RATE_LIMITED', `Too many failed sign-ins for this account; try again in ${wait} s.`);
    const user = await this.accounts.findUserByEmail(email);
    // Verify against a dummy hash when the user is unknown, so response time reveals nothing.
    const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) {
      this.loginFailures.fail(email);
      throw new ApiError('CUTLINE_INVALID_CREDENTIALS', 'E-mail or password is wrong.');
    }
    this.loginFailures.succeed(email);
    return this.sessionIn(user, input.organizationId);
  }

  async refresh(refreshToken: string, organizationId?: string): Promise<Session> {
    const next = newRefreshToken();
    // Naming an organization the user is not in is refused before the token is used up.
    const inOrganization = async (userId: string) =>
      !organizationId || (await this.accounts.membership(userId, organizationId)) !== undefined;
    const result = await this.sessions.rotate(
      sha256(refreshToken),
      next.hash,
      this.refreshExpiry(),
      this.now(),
      inOrganization,
    );
    switch (result.status) {
      case 'refused':
        throw new ApiError('CUTLINE_NOT_FOUND', 'Organization not found.');
      case 'unknown':
      case 'expired':
        throw new ApiError('CUTLINE_TOKEN_EXPIRED', 'The session has ended; please sign in again.');
      case 'reused':
        throw new ApiError(
          'CUTLINE_TOKEN_REUSED',
          'This refresh token was already used; all sessions from it were signed out.',
        );
      case 'rotated': {
        const user = await this.accounts.findUser(result.userId);
        if (!user) throw new ApiError('CUTLINE_TOKEN_EXPIRED', 'The session has ended; please sign in again.');
        const { organization, role } = await this.membershipFor(user.id, organizationId);
        return { ...this.accessFor(user, organization, role), refreshToken: next.token };
      }
    }
  }

  /** A session for a user who just joined an organization (an invitee's new account). */
  async sessionFor(userId: string, organizationId: string): Promise<Session> {
    const user = await this.accounts.findUser(userId);
    if (!user) throw new ApiError('CUTLINE_UNAUTHENTICATED', 'The account no longer exists.');
    return this.sessionIn(user, organizationId);
  }

  async logout(refreshToken: string): Promise<void> {
    await this.sessions.revokeFamilyOf(sha256(refreshToken), this.now());
  }

  private async sessionIn(user: User, organizationId: string | undefined): Promise<Session> {
    const { organization, role } = await this.membershipFor(user.id, organizationId);
    return this.openSession(user, organization, role);
  }

  private async membershipFor(
    userId: string,
    organizationId: string | undefined,
  ): Promise<{ organization: Organization; role: MemberRole }> {
    if (organizationId) {
      // The same read authentication makes: the role and the organization in one round trip.
      const membership = await this.accounts.membership(userId, organizationId);
      // Not a member (or a foreign id): the same answer as a missing organization.
      if (!membership) throw new ApiError('CUTLINE_NOT_FOUND', 'Organization not found.');
      return { organization: membership.standing.organization, role: membership.role };
    }
    const membership = await this.accounts.defaultOrganizationOf(userId);
    const organization = membership && (await this.accounts.findOrganization(membership.organizationId));
    if (!membership || !organization) throw new ApiError('CUTLINE_NOT_FOUND', 'Organization not found.');
    return { organization, role: membership.role };
  }

  private async openSession(user: User, organization: Organization, role: MemberRole): Promise<Session> {
    const refresh = newRefreshToken();
    await this.sessions.create(user.id, refresh.hash, this.refreshExpiry());
    return { ...this.accessFor(user, organization, role), refreshToken: refresh.token };
  }

  private accessFor(user: User, organization: Organization, role: MemberRole): Omit<Session, 'refreshToken'> {
    return {
      accessToken: this.tokens.issue({ sub: user.id, org: organization.id, role }),
      accessTokenExpiresIn: this.tokens.lifetimeSeconds,
      user,
      organization,
      role,
    };
  }

  private refreshExpiry(): Date {
    return new Date(this.now().getTime() + this.refreshTokenDays * 86_400_000);
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
