/**
 * API access by plan, as the default plan table prices it (keys on Pro and above), and the
 * per-key rate limit with its RateLimit headers.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_PLANS } from '../../control-plane/src/plans.js';
import { bearer, errorCode, register, startApp, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;

beforeAll(async () => {
  // The default table's API access (the suite's other apps open it to every plan), with a small limit to reach.
  t = await startApp(
    services.postgresUrl,
    { CUTLINE_AUTH_RATE_LIMIT: '10000' },
    { free: { apiAccess: false }, starter: { apiAccess: false }, pro: { apiRequestsPerMinute: 5 } },
  );
});
afterAll(() => t?.close());

describe('API access by plan', () => {
  it('the default plans include API keys from Pro up', () => {
    expect(Object.values(DEFAULT_PLANS).map((p) => [p.id, p.apiAccess])).toEqual([
      ['free', false],
      ['starter', false],
      ['pro', true],
      ['business', true],
      ['enterprise', true],
    ]);
  });

  it('refuses keys on a plan without API access, and stops a key when the plan loses it', async () => {
    const owner = await register(t.app, 'Key Seeker');
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(owner.accessToken),
      payload: { name: 'ci' },
    });
    expect([refused.statusCode, errorCode(refused)]).toEqual([403, 'CUTLINE_PLAN_LIMIT']);
    const usage = await t.app.inject({ method: 'GET', url: '/v1/usage', headers: bearer(owner.accessToken) });
    expect(usage.json<{ limits: { apiAccess: boolean } }>().limits.apiAccess).toBe(false);

    await t.db.organization.update({ where: { id: owner.organizationId }, data: { plan: 'pro' } });
    const made = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(owner.accessToken),
      payload: { name: 'ci' },
    });
    expect(made.statusCode).toBe(201);
    const key = made.json<{ key: string }>().key;
    expect((await t.app.inject({ method: 'GET', url: '/v1/renders', headers: { 'x-api-key': key } })).statusCode).toBe(
      200,
    );

    await t.db.organization.update({ where: { id: owner.organizationId }, data: { plan: 'starter' } });
    const stopped = await t.app.inject({ method: 'GET', url: '/v1/renders', headers: { 'x-api-key': key } });
    expect([stopped.statusCode, errorCode(stopped)]).toEqual([403, 'CUTLINE_PLAN_LIMIT']);
  });

  it('limits each key per minute and says so in RateLimit headers', async () => {
    const owner = await register(t.app, 'Busy Client');
    await t.db.organization.update({ where: { id: owner.organizationId }, data: { plan: 'pro' } });
    const key = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(owner.accessToken),
        payload: { name: 'busy' },
      })
    ).json<{ key: string }>().key;
    const remaining: number[] = [];
    let limited;
    // Until the first 429 (a window that turns meanwhile only starts the count again).
    for (let i = 0; i < 11 && !limited; i++) {
      const response = await t.app.inject({ method: 'GET', url: '/v1/renders', headers: { 'x-api-key': key } });
      expect(response.headers['ratelimit-limit']).toBe('5');
      expect(response.headers['ratelimit-policy']).toBe('5;w=60');
      if (response.statusCode === 429) limited = response;
      else remaining.push(Number(response.headers['ratelimit-remaining']));
    }
    expect(limited).toBeDefined();
    expect(errorCode(limited!)).toBe('CUTLINE_RATE_LIMITED');
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited!.headers['ratelimit-remaining']).toBe('0');
    expect(remaining.slice(-5)).toEqual([4, 3, 2, 1, 0]);
    // People signed in are not counted against the key.
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/renders', headers: bearer(owner.accessToken) })).statusCode,
    ).toBe(200);
  });
});
