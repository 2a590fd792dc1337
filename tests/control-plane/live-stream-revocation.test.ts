/**
 * Event streams end with their credentials (issue 20, finding 6): a stream opened with an API
 * key that is then revoked, by a member who is then removed, or by a user whose password is
 * then reset, stops — whether the change is
 * made through this process or straight in the database (as another replica would).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addMember, bearer, mailboxOf, register, startApp, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;

beforeAll(async () => {
  t = await startApp(
    services.postgresUrl,
    { CUTLINE_AUTH_RATE_LIMIT: '10000' },
    {},
    { listen: true, credentialChanges: true },
  );
});
afterAll(() => t?.close());

/** Opens /v1/events and resolves when the server ends it (or rejects after `withinMs`). */
async function openStream(
  headers: Record<string, string>,
): Promise<{ ended: (withinMs: number) => Promise<void>; close: () => void }> {
  const controller = new AbortController();
  const response = await fetch(`${t.baseUrl}/v1/events`, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const done = (async () => {
    for (;;) if ((await reader.read()).done) return;
  })().catch(() => undefined);
  return {
    ended: (withinMs) =>
      Promise.race([
        done,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`the stream was still open after ${withinMs} ms`)), withinMs),
        ),
      ]),
    close: () => controller.abort(),
  };
}

async function apiKey(account: Account): Promise<{ id: string; key: string }> {
  const created = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(account.accessToken),
      payload: { name: 'stream' },
    })
  ).json<{ key: string; apiKey: { id: string } }>();
  return { id: created.apiKey.id, key: created.key };
}

describe('live streams and revocation', () => {
  it('ends a stream when its API key is revoked, and the key cannot open another', async () => {
    const owner = await register(t.app, 'Key owner');
    const { id, key } = await apiKey(owner);
    const stream = await openStream({ 'x-api-key': key });
    const bystander = await openStream(bearer(owner.accessToken));
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: bearer(owner.accessToken) }))
        .statusCode,
    ).toBe(204);
    await stream.ended(3_000);
    expect((await fetch(`${t.baseUrl}/v1/events`, { headers: { 'x-api-key': key } })).status).toBe(401);
    await expect(bystander.ended(500)).rejects.toThrow('still open');
    bystander.close();
  });

  it('ends a removed member’s stream', async () => {
    const owner = await register(t.app, 'Team owner');
    const member = await register(t.app, 'Team member');
    const stream = await openStream(bearer(await addMember(t.app, owner, member)));
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/v1/members/${member.userId}`,
          headers: bearer(owner.accessToken),
        })
      ).statusCode,
    ).toBe(204);
    await stream.ended(3_000);
  });

  it('ends a stream when another replica revokes the key (the change arrives through PostgreSQL)', async () => {
    const owner = await register(t.app, 'Replica');
    const { id, key } = await apiKey(owner);
    const stream = await openStream({ 'x-api-key': key });
    await t.db.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    await stream.ended(3_000);
  });

  it('ends a user’s streams when the password is reset', async () => {
    const user = await register(t.app, 'Reset streams');
    const stream = await openStream(bearer(user.accessToken));
    await t.app.inject({ method: 'POST', url: '/v1/auth/forgot-password', payload: { email: user.email } });
    const token = await mailboxOf(t.app).token(user.email, '/reset-password');
    const reset = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/reset-password',
      payload: { token, password: 'a brand new passphrase' },
    });
    expect(reset.statusCode).toBe(204);
    await stream.ended(3_000);
  });
});
