/**
 * The account around sign-in: proving the address, resetting a forgotten password, and the
 * user's preferences (notification mail, defaults for new videos).
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, requireUser, userIdOf, type Guard } from '../http/authenticate.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../http/schemas.js';
import type { AccountsRepository } from '../repositories/accounts-repository.js';
import type { EmailVerification } from '../services/email-verification.js';
import type { PasswordReset } from '../services/password-reset.js';
import { Preferences, PreferencesUpdate, preferencesOf } from '../services/preferences.js';

const Token = Type.String({ minLength: 20, maxLength: 200, description: 'The token from the mailed link' });
const Password = Type.String({ minLength: 10, maxLength: 256, description: 'At least 10 characters' });

export interface AccountRoutesOptions {
  accounts: AccountsRepository;
  verification: EmailVerification;
  reset: PasswordReset;
  authenticate: Guard;
  rateLimitPerMinute: number;
}

export const accountRoutes: FastifyPluginAsyncTypebox<AccountRoutesOptions> = async (
  app,
  { accounts, verification, reset, authenticate, rateLimitPerMinute },
) => {
  const rateLimit = { rateLimit: { max: rateLimitPerMinute, timeWindow: '1 minute' } };
  const signedIn = allOf(app, [authenticate, requireUser('member')]);

  app.post(
    '/v1/auth/verify-email',
    {
      config: rateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Prove the address with the token from the verification mail',
        body: Type.Object({ token: Token }, { additionalProperties: false }),
        response: { 200: Type.Object({ verified: Type.Literal(true) }), ...errorResponses },
      },
    },
    async (request) => {
      await verification.verify(request.body.token);
      return { verified: true as const };
    },
  );

  app.post(
    '/v1/auth/verify-email/resend',
    {
      onRequest: signedIn,
      config: rateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Mail the verification link again (a few times an hour)',
        response: { 202: Type.Object({ sent: Type.Boolean() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await accounts.findUser(userIdOf(request));
      if (!user) throw new ApiError('CUTLINE_UNAUTHENTICATED', 'The account no longer exists.');
      await verification.send(user);
      return reply.status(202).send({ sent: !user.emailVerified });
    },
  );

  app.post(
    '/v1/auth/forgot-password',
    {
      config: rateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Mail a password reset link (the same answer whether or not the address has an account)',
        body: Type.Object({ email: Type.String({ format: 'email', maxLength: 254 }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ message: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      reset.request(request.body.email, request.ip);
      return reply
        .status(202)
        .send({ message: 'If an account has this address, a link to reset its password is on its way.' });
    },
  );

  app.post(
    '/v1/auth/reset-password',
    {
      config: rateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the mailed token; signs the account out everywhere',
        body: Type.Object({ token: Token, password: Password }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await reset.reset(request.body.token, request.body.password);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me/preferences',
    {
      onRequest: signedIn,
      schema: {
        tags: ['auth'],
        summary: 'Notification mail and defaults for new videos',
        response: { 200: Preferences, ...errorResponses },
      },
    },
    async (request) => {
      return preferencesOf(await accounts.preferencesOf(userIdOf(request)));
    },
  );

  app.put(
    '/v1/me/preferences',
    {
      onRequest: signedIn,
      schema: {
        tags: ['auth'],
        summary: 'Replace the preferences',
        body: PreferencesUpdate,
        response: { 200: Preferences, ...errorResponses },
      },
    },
    async (request) => {
      const userId = userIdOf(request);
      const current = preferencesOf(await accounts.preferencesOf(userId));
      const next = preferencesOf({
        ...request.body,
        notifications: { ...current.notifications, ...request.body.notifications },
      });
      await accounts.setPreferences(userId, next);
      return next;
    },
  );
};
