/**
 * Forgotten passwords: a request by address gets the same answer whether or not an account
 * has it (the work happens after the answer), limited per address and per client; the mailed
 * link is single-use, lasts an hour and is stored as a digest. Resetting signs the user out
 * everywhere: every refresh token is revoked and older access tokens are refused.
 */
import { hashPassword } from '../auth/passwords.js';
import { newRefreshToken, sha256 } from '../auth/secrets.js';
import { ApiError } from '../errors.js';
import { FailureLimiter } from '../lib/failure-limiter.js';
import type { ImmediateMail } from '../mail/immediate-mail.js';
import type { MailTemplates } from '../mail/templates.js';
import { AccountsRepository } from '../repositories/accounts-repository.js';
import type { UserTokensRepository } from '../repositories/user-tokens-repository.js';
import { linkError } from './link-errors.js';
import { normaliseEmail } from './accounts-service.js';

const LINK_LIFETIME_MS = 3_600_000;

export class PasswordReset {
  constructor(
    private readonly tokens: UserTokensRepository,
    private readonly accounts: AccountsRepository,
    private readonly mail: ImmediateMail,
    private readonly templates: MailTemplates,
    private readonly log: { warn(data: object, message: string): void },
    private readonly now: () => Date = () => new Date(),
    private readonly perAddress = new FailureLimiter(3, LINK_LIFETIME_MS),
    private readonly perClient = new FailureLimiter(10, LINK_LIFETIME_MS),
  ) {}

  /** Always the same outcome for the caller; the mail goes out only to an account that exists. */
  request(rawEmail: string, client: string): void {
    const email = normaliseEmail(rawEmail);
    const wait = Math.max(this.perAddress.retryAfterSeconds(email), this.perClient.retryAfterSeconds(client));
    if (wait > 0) throw new ApiError('CUTLINE_RATE_LIMITED', `Too many reset requests; try again in ${wait} s.`);
    this.perAddress.fail(email);
    this.perClient.fail(client);
    void this.mailLink(email).catch((err: unknown) => this.log.warn({ error: String(err) }, 'reset link not sent'));
  }

  private async mailLink(email: string): Promise<void> {
    const user = await this.accounts.findUserByEmail(email);
    if (!user) return;
    const { token, hash } = newRefreshToken();
    await this.tokens.create({
      userId: user.id,
      purpose: 'reset_password',
      tokenHash: hash,
      email,
      expiresAt: new Date(this.now().getTime() + LINK_LIFETIME_MS),
    });
    this.mail.send(this.templates.passwordReset(email, user.name, token));
  }

  async reset(token: string, password: string): Promise<void> {
    const now = this.now();
    const passwordHash = await hashPassword(password);
    const result = await this.tokens.consume(sha256(token), 'reset_password', now, (tx, userId) =>
      AccountsRepository.replacePassword(tx, userId, passwordHash, now),
    );
    if (result.status !== 'ok') throw linkError(result.status, 'password reset');
    const user = await this.accounts.findUser(result.userId);
    if (user) this.mail.send(this.templates.passwordChanged(user.email, user.name));
  }
}
