/**
 * Accounts by mail, against a real SMTP server (Mailpit): verification at sign-up, password
 * reset, invitations, and operator rights from CUTLINE_PLATFORM_ADMINS only once verified.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Mailpit, tokenIn } from '../fixture/mailpit.js';
import { bearer, errorCode, mailboxOf, register, startApp, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
const mailpit = new Mailpit(services.mail.apiUrl);
const OPERATOR = `operator-${Date.now()}@example.com`;
let t: TestApp;

beforeAll(async () => {
  t = await startApp(
    services.postgresUrl,
    {
      CUTLINE_AUTH_RATE_LIMIT: '1000',
      CUTLINE_PUBLIC_URL: 'https://cutline.example.com/app',
      CUTLINE_PLATFORM_ADMINS: OPERATOR,
    },
    {},
    { mail: services.mail, listen: true },
  );
});
afterAll(() => t?.close());

const post = (url: string, payload: object, token?: string) =>
  t.app.inject({ method: 'POST', url, payload, ...(token ? { headers: bearer(token) } : {}) });

async function signUp(
  name: string,
  email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`,
) {
  const response = await post('/v1/auth/register', { email, password: 'correct horse battery', name });
  expect(response.statusCode).toBe(201);
  const body = response.json<{ accessToken: string; user: { id: string; emailVerified: boolean } }>();
  return { email, accessToken: body.accessToken, userId: body.user.id, emailVerified: body.user.emailVerified };
}

describe('verification', () => {
  it('mails a link at sign-up that verifies the address, once; until then paid actions and invitations wait', async () => {
    const user = await signUp('Vera <b>Bold</b>');
    expect(user.emailVerified).toBe(false);
    const [mail] = await mailpit.waitFor(user.email, (m) => m.subject.includes('Confirm'));
    // Links work behind the public URL, and the user's name is escaped in the HTML.
    expect(mail!.text).toContain('https://cutline.example.com/app/verify-email#token=');
    expect(mail!.html).toContain('Vera &#60;b&#62;Bold&#60;/b&#62;');
    expect(mail!.html).not.toContain('<b>Bold</b>');

    const invite = await post('/v1/invitations', { email: 'x@example.com', role: 'member' }, user.accessToken);
    expect([invite.statusCode, errorCode(invite)]).toEqual([403, 'CUTLINE_EMAIL_UNVERIFIED']);

    const forged = await post('/v1/auth/verify-email', { token: 'A'.repeat(43) });
    expect([forged.statusCode, errorCode(forged)]).toEqual([400, 'CUTLINE_LINK_INVALID']);
    const token = tokenIn(mail!.text, '/verify-email')!;
    expect((await post('/v1/auth/verify-email', { token })).statusCode).toBe(200);
    const again = await post('/v1/auth/verify-email', { token });
    expect([again.statusCode, errorCode(again)]).toEqual([410, 'CUTLINE_LINK_USED']);
    const me = await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(user.accessToken) });
    expect(me.json()).toMatchObject({ user: { emailVerified: true } });
    // The token is stored only as a digest.
    const rows = await t.db.userToken.findMany({ where: { userId: user.userId } });
    expect(rows.map((r) => r.tokenHash)).not.toContain(token);
  });

  it('resends a few times an hour, then refuses', async () => {
    const user = await signUp('Resend');
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await post('/v1/auth/verify-email/resend', {}, user.accessToken)).statusCode);
    // The sign-up link counts: four more are sent, the fifth is refused.
    expect(codes).toEqual([202, 202, 202, 202, 429]);
    await mailpit.waitFor(user.email, (m) => m.subject.includes('Confirm'), 5);
  });

  it('makes a CUTLINE_PLATFORM_ADMINS address an operator only when it is verified', async () => {
    const user = await signUp('Operator', OPERATOR);
    const before = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/organizations',
      headers: bearer(user.accessToken),
    });
    expect(before.statusCode).toBe(403);
    const token = await mailboxOf(t.app).token(OPERATOR, '/verify-email');
    expect((await post('/v1/auth/verify-email', { token })).statusCode).toBe(200);
    const after = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/organizations',
      headers: bearer(user.accessToken),
    });
    expect(after.statusCode).toBe(200);
  });
});

describe('password reset', () => {
  it('resets by a single-use mailed link and signs out every session', async () => {
    const user = await register(t.app, 'Forgetful');
    const otherSession = (await post('/v1/auth/login', { email: user.email, password: 'correct horse battery' })).json<{
      accessToken: string;
      refreshToken: string;
    }>();

    const asked = await post('/v1/auth/forgot-password', { email: user.email.toUpperCase() });
    expect(asked.statusCode).toBe(202);
    const [mail] = await mailpit.waitFor(user.email, (m) => m.subject.includes('Reset'));
    const token = tokenIn(mail!.text, '/reset-password')!;

    const weak = await post('/v1/auth/reset-password', { token, password: 'short' });
    expect([weak.statusCode, errorCode(weak)]).toEqual([400, 'CUTLINE_VALIDATION_FAILED']);
    expect((await post('/v1/auth/reset-password', { token, password: 'a brand new passphrase' })).statusCode).toBe(204);
    const reused = await post('/v1/auth/reset-password', { token, password: 'yet another passphrase' });
    expect([reused.statusCode, errorCode(reused)]).toEqual([410, 'CUTLINE_LINK_USED']);

    // Every earlier session is over: access tokens and refresh tokens alike.
    for (const access of [user.accessToken, otherSession.accessToken]) {
      const me = await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(access) });
      expect([me.statusCode, errorCode(me)]).toEqual([401, 'CUTLINE_UNAUTHENTICATED']);
    }
    for (const refreshToken of [user.refreshToken, otherSession.refreshToken])
      expect((await post('/v1/auth/refresh', { refreshToken })).statusCode).toBe(401);
    const old = await post('/v1/auth/login', { email: user.email, password: 'correct horse battery' });
    expect(old.statusCode).toBe(401);
    const fresh = await post('/v1/auth/login', { email: user.email, password: 'a brand new passphrase' });
    expect(fresh.statusCode).toBe(200);
    const me = await t.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(fresh.json<{ accessToken: string }>().accessToken),
    });
    expect(me.statusCode).toBe(200);
    await mailpit.waitFor(user.email, (m) => m.subject.includes('password was changed'));
  });

  it('answers an unknown address exactly as a known one, and mails nothing', async () => {
    const nobody = `nobody-${Date.now()}@example.com`;
    const known = await register(t.app, 'Known');
    const a = await post('/v1/auth/forgot-password', { email: nobody });
    const b = await post('/v1/auth/forgot-password', { email: known.email });
    expect([a.statusCode, a.body]).toEqual([b.statusCode, b.body]);
    await mailpit.waitFor(known.email, (m) => m.subject.includes('Reset'));
    expect(await mailpit.to(nobody)).toEqual([]);
  });

  it('refuses an expired link and limits requests per address', async () => {
    const user = await register(t.app, 'Late');
    await post('/v1/auth/forgot-password', { email: user.email });
    const [mail] = await mailpit.waitFor(user.email, (m) => m.subject.includes('Reset'));
    const token = tokenIn(mail!.text, '/reset-password')!;
    await t.db.userToken.updateMany({
      where: { userId: user.userId, purpose: 'reset_password' },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = await post('/v1/auth/reset-password', { token, password: 'a brand new passphrase' });
    expect([expired.statusCode, errorCode(expired)]).toEqual([410, 'CUTLINE_LINK_EXPIRED']);
    expect((await post('/v1/auth/login', { email: user.email, password: 'correct horse battery' })).statusCode).toBe(
      200,
    );
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await post('/v1/auth/forgot-password', { email: user.email })).statusCode);
    expect(codes).toEqual([202, 202, 429]);
  });
});

describe('invitations', () => {
  let owner: Account;
  beforeAll(async () => {
    owner = await register(t.app, 'Agency');
  });

  const invite = (email: string, role = 'member') => post('/v1/invitations', { email, role }, owner.accessToken);

  it('a new person accepts by creating an account with the invited address and joins with the role', async () => {
    const email = `newcomer-${Date.now()}@example.com`;
    const created = await invite(email, 'admin');
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ email, role: 'admin', status: 'pending', invitedBy: 'Agency' });
    const [mail] = await mailpit.waitFor(email, (m) => m.subject.includes('invited you'));
    const token = tokenIn(mail!.text, '/accept-invitation')!;

    const lookup = await post('/v1/invitations/lookup', { token });
    expect(lookup.json()).toMatchObject({ email, role: 'admin', invitedBy: 'Agency' });
    // Not a member before accepting.
    const members = () => t.app.inject({ method: 'GET', url: '/v1/members', headers: bearer(owner.accessToken) });
    expect((await members()).json<Array<{ email: string }>>().map((m) => m.email)).not.toContain(email);

    const joined = await post('/v1/invitations/accept-new', { token, name: 'New Admin', password: 'a long password!' });
    expect(joined.statusCode).toBe(201);
    expect(joined.json()).toMatchObject({
      organization: { id: owner.organizationId, role: 'admin' },
      user: { email, emailVerified: true },
    });
    expect((await members()).json<Array<{ email: string; role: string }>>()).toContainEqual(
      expect.objectContaining({ email, role: 'admin' }),
    );
    const reused = await post('/v1/invitations/accept-new', { token, name: 'Again', password: 'a long password!' });
    expect([reused.statusCode, errorCode(reused)]).toEqual([410, 'CUTLINE_LINK_USED']);
    const listed = await t.app.inject({ method: 'GET', url: '/v1/invitations', headers: bearer(owner.accessToken) });
    expect(listed.json()).toContainEqual(expect.objectContaining({ email, status: 'accepted' }));
  });

  it('an existing account accepts signed in, only with the invited address', async () => {
    const colleague = await register(t.app, 'Colleague');
    const stranger = await register(t.app, 'Stranger');
    expect((await invite(colleague.email)).statusCode).toBe(201);
    const token = await mailboxOf(t.app).token(colleague.email, '/accept-invitation');
    const wrong = await post('/v1/invitations/accept', { token }, stranger.accessToken);
    expect([wrong.statusCode, errorCode(wrong)]).toEqual([403, 'CUTLINE_INVITATION_EMAIL_MISMATCH']);
    const accepted = await post('/v1/invitations/accept', { token }, colleague.accessToken);
    expect(accepted.json()).toEqual({ organizationId: owner.organizationId, role: 'member' });
    // Inviting a member again is a conflict, and says so on the field.
    const again = await invite(colleague.email);
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'CUTLINE_ALREADY_MEMBER']);
    expect(again.json<{ error: { details: Array<{ field: string }> } }>().error.details[0]!.field).toBe('email');
  });

  it('a revoked invitation’s link is dead; a resent one replaces the old link', async () => {
    const email = `revoked-${Date.now()}@example.com`;
    const id = (await invite(email)).json<{ id: string }>().id;
    const first = await mailboxOf(t.app).token(email, '/accept-invitation');
    await t.db.invitation.update({ where: { id }, data: { lastSentAt: new Date(Date.now() - 120_000) } });
    const resent = await post(`/v1/invitations/${id}/resend`, {}, owner.accessToken);
    expect(resent.json()).toMatchObject({ sentCount: 2, status: 'pending' });
    await mailpit.waitFor(email, (m) => m.subject.includes('invited you'), 2);
    const second = (await mailpit.to(email)).map((m) => tokenIn(m.text, '/accept-invitation')!).at(-1)!;
    expect(second).not.toBe(first);
    expect(errorCode(await post('/v1/invitations/lookup', { token: first }))).toBe('CUTLINE_LINK_INVALID');

    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/v1/invitations/${id}`,
      headers: bearer(owner.accessToken),
    });
    expect(revoked.statusCode).toBe(204);
    const dead = await post('/v1/invitations/accept-new', {
      token: second,
      name: 'Late',
      password: 'a long password!',
    });
    expect([dead.statusCode, errorCode(dead)]).toEqual([400, 'CUTLINE_LINK_INVALID']);
    expect(await t.db.user.findUnique({ where: { email } })).toBeNull();
  });

  it('expires after 7 days; another organization’s invitations are 404; the add-without-asking route is gone', async () => {
    const email = `expiring-${Date.now()}@example.com`;
    const id = (await invite(email)).json<{ id: string }>().id;
    const token = await mailboxOf(t.app).token(email, '/accept-invitation');
    const row = await t.db.invitation.findUniqueOrThrow({ where: { id } });
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(7 * 86_400_000);
    await t.db.invitation.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await post('/v1/invitations/accept-new', { token, name: 'Late', password: 'a long password!' });
    expect([expired.statusCode, errorCode(expired)]).toEqual([410, 'CUTLINE_LINK_EXPIRED']);

    const other = await register(t.app, 'Other agency');
    for (const [method, url] of [
      ['DELETE', `/v1/invitations/${id}`],
      ['POST', `/v1/invitations/${id}/resend`],
    ] as const) {
      const response = await t.app.inject({ method, url, headers: bearer(other.accessToken) });
      expect(response.statusCode).toBe(404);
    }
    const theirs = await t.app.inject({ method: 'GET', url: '/v1/invitations', headers: bearer(other.accessToken) });
    expect(theirs.json()).toEqual([]);
    // The old route that added people without asking is gone.
    const gone = await post('/v1/members', { email: other.email, role: 'member' }, owner.accessToken);
    expect([404, 405]).toContain(gone.statusCode);
  });
});
