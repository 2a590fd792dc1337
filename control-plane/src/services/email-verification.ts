/**
 * Proving an address: a link mailed at sign-up (and on request, a few times an hour) that
 * marks it verified. Addresses on CUTLINE_PLATFORM_ADMINS become operators only here, so
 * whoever signs up first with a listed address gains nothing without its mailbox.
 */
import { newRefreshToken, sha256 } from '../auth/secrets.js';
import type { User } from '../domain.js';
import { ApiError } from '../errors.js';
import type { ImmediateMail } from '../mail/immediate-mail.js';
import type { MailTemplates } from '../mail/templates.js';
import { AccountsRepository } from '../repositories/accounts-repository.js';
import type { UserTokensRepository } from '../repositories/user-tokens-repository.js';
import { linkError } from './link-errors.js';

const LINK_LIFETIME_MS = 24 * 3_600_000;
const RESENDS_PER_HOUR = 5;

export class EmailVerification {
  constructor(
    private readonly tokens: UserTokensRepository,
    private readonly accounts: AccountsRepository,
    private readonly mail: ImmediateMail,
    private readonly templates: MailTemplates,
    private readonly platformAdmins: readonly string[],
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Mails a new link (sign-up, or "send it again"); limited per hour. */
  async send(user: Pick<User, 'id' | 'email' | 'name' | 'emailVerified'>, limited = true): Promise<void> {
    if (user.emailVerified) return;
    const now = this.now();
    if (limited) {
      const recent = await this.tokens.countSince(user.id, 'verify_email', new Date(now.getTime() - 3_600_000));
      if (recent >= RESENDS_PER_HOUR)
        throw new ApiError('CUTLINE_RATE_LIMITED', 'We sent several links this hour; check your mail or try later.');
    }
    const { token, hash } = newRefreshToken();
    await this.tokens.create({
      userId: user.id,
      purpose: 'verify_email',
      tokenHash: hash,
      email: user.email,
      expiresAt: new Date(now.getTime() + LINK_LIFETIME_MS),
    });
    this.mail.send(this.templates.verifyEmail(user.email, user.name, token));
  }

  /** Spends the link; the user it belonged to is verified. */
  async verify(token: string): Promise<{ userId: string }> {
    const now = this.now();
    const result = await this.tokens.consume(sha256(token), 'verify_email', now, async (tx, userId, email) => {
      const operator = this.platformAdmins.includes(email);
      // An address changed since the link was sent is not proved by it.
      if (!(await AccountsRepository.markEmailVerified(tx, userId, email, now, operator)))
        throw new ApiError('CUTLINE_LINK_INVALID', 'This link was for an address the account no longer has.');
    });
    if (result.status !== 'ok') throw linkError(result.status, 'verification');
    return { userId: result.userId };
  }
}
