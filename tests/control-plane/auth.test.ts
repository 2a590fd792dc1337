/** Accounts, sessions, API keys and members through the HTTP API, on a real PostgreSQL. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addMember, bearer, errorCode, METRICS_TOKEN, register, startApp, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;

beforeAll(async () => {
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '1000' });
});
afterAll(() => t?.close());

describe('register and login', () => {
  it('registers a user with their organization as owner, and stores only a scrypt hash', async () => {
    const account = await register(t.app, 'Grace');
    const me = await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(account.accessToken) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      kind: 'user',
      role: 'owner',
      organizationId: account.organizationId,
      organizations: [{ id: account.organizationId, role: 'owner', plan: 'free' }],
    });
    const row = await t.db.user.findUnique({ where: { id: account.userId } });
    expect(row!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row!.passwordHash).not.toContain('correct horse');
  });

  it('refuses a second account with the same e-mail, in any case', async () => {
    const account = await register(t.app, 'Dup');
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: account.email.toUpperCase(), password: 'another long password', name: 'X' },
    });
    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('CUTLINE_EMAIL_TAKEN');
  });

  it('logs in with the right password only, with one answer for unknown e-mails and wrong passwords', async () => {
    const account = await register(t.app, 'Linus');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: account.email, password: 'correct horse battery' },
    });
    expect(ok.statusCode).toBe(200);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: account.email, password: 'wrong password!' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'nobody@example.com', password: 'wrong password!' },
    });
    for (const r of [wrong, unknown]) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({
        error: { code: 'CUTLINE_INVALID_CREDENTIALS', message: 'E-mail or password is wrong.' },
      });
    }
  });

  it.each([
    [{ email: 'not-an-email', password: 'long enough pw', name: 'A' }, 'email'],
    [{ email: 'a@example.com', password: 'short', name: 'A' }, 'password'],
    [{ email: 'a@example.com', password: 'long enough pw' }, 'name'],
    [{ email: 'a@example.com', password: 'long enough pw', name: 'A', admin: true }, 'admin'],
    [{ email: 'a@example.com', password: 12345678901, name: 'A' }, 'password'],
  ])('rejects %j with a field error on %s', async (payload, field) => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/auth/register', payload });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ error: { code: string; details: Array<{ field: string }> } }>();
    expect(body.error.code).toBe('CUTLINE_VALIDATION_FAILED');
    expect(body.error.details.map((d) => d.field)).toContain(field);
  });
});

describe('sessions', () => {
  it('rotates refresh tokens, and a reused one signs out the whole family', async () => {
    const account = await register(t.app, 'Rot');
    const first = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: account.refreshToken },
    });
    expect(first.statusCode).toBe(200);
    const next = first.json<{ refreshToken: string; accessToken: string }>();
    expect(next.refreshToken).not.toBe(account.refreshToken);

    const replay = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: account.refreshToken },
    });
    expect(replay.statusCode).toBe(401);
    expect(errorCode(replay)).toBe('CUTLINE_TOKEN_REUSED');
    // The legitimate successor was revoked with the family.
    const successor = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: next.refreshToken },
    });
    expect(errorCode(successor)).toBe('CUTLINE_TOKEN_REUSED');
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const account = await register(t.app, 'Race');
    const results = await Promise.all(
      [0, 1].map(() =>
        t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: account.refreshToken } }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('logout revokes the refresh token', async () => {
    const account = await register(t.app, 'Bye');
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken: account.refreshToken } }))
        .statusCode,
    ).toBe(204);
    const after = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: account.refreshToken },
    });
    expect(after.statusCode).toBe(401);
  });

  it('rejects missing, forged and expired access tokens', async () => {
    expect(errorCode(await t.app.inject({ method: 'GET', url: '/v1/me' }))).toBe('CUTLINE_UNAUTHENTICATED');
    expect(
      errorCode(
        await t.app.inject({
          method: 'GET',
          url: '/v1/me',
          headers: bearer('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad'),
        }),
      ),
    ).toBe('CUTLINE_UNAUTHENTICATED');
    const shortLived = await startApp(services.postgresUrl, { CUTLINE_ACCESS_TOKEN_TTL: '1m' });
    try {
      const account = await register(shortLived.app, 'Exp');
      const { AccessTokens } = await import('../../control-plane/src/auth/access-tokens.js');
      const past = new AccessTokens('test-secret-that-is-long-enough-0123456789', 60);
      const realNow = Date.now;
      Date.now = () => realNow() - 3_600_000;
      const expired = past.issue({ sub: account.userId, org: account.organizationId, role: 'owner' });
      Date.now = realNow;
      expect(errorCode(await shortLived.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(expired) }))).toBe(
        'CUTLINE_TOKEN_EXPIRED',
      );
    } finally {
      await shortLived.close();
    }
  });
});

describe('API keys', () => {
  it('shows a key once, stores only its digest, authenticates with it, records use, and revokes', async () => {
    const owner = await register(t.app, 'Keys');
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(owner.accessToken),
      payload: { name: 'CI', scopes: ['renders:read'] },
    });
    expect(created.statusCode).toBe(201);
    const { key, apiKey } = created.json<{ key: string; apiKey: { id: string; prefix: string } }>();
    expect(key).toMatch(/^cl_[0-9a-f]{12}_/);
    const row = await t.db.apiKey.findUnique({ where: { id: apiKey.id } });
    // The secret is all after the prefix (it may itself hold an underscore).
    const secret = /^cl_[0-9a-f]{12}_(.+)$/.exec(key)![1]!;
    expect(row!.secretHash).not.toContain(secret);

    const listed = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(owner.accessToken) });
    expect(listed.body).not.toContain(secret);

    for (const headers of [bearer(key), { 'x-api-key': key }]) {
      const me = await t.app.inject({ method: 'GET', url: '/v1/me', headers });
      expect(me.json()).toMatchObject({
        kind: 'apiKey',
        organizationId: owner.organizationId,
        scopes: ['renders:read'],
      });
    }
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.db.apiKey.findUnique({ where: { id: apiKey.id } }))!.lastUsedAt).toBeInstanceOf(Date);

    // API keys cannot manage API keys.
    expect((await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(key) })).statusCode).toBe(403);

    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${apiKey.id}`, headers: bearer(owner.accessToken) }))
        .statusCode,
    ).toBe(204);
    expect(errorCode(await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) }))).toBe(
      'CUTLINE_UNAUTHENTICATED',
    );
    // A forged secret with a real prefix fails too.
    expect(
      errorCode(
        await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(`cl_${apiKey.prefix}_${'A'.repeat(43)}`) }),
      ),
    ).toBe('CUTLINE_UNAUTHENTICATED');
  });
});

describe('credentials looked up together', () => {
  it('answers a concurrent burst of many clients — keys of several organizations, a revoked key, a forged secret, members, a removed member — each as itself', async () => {
    const owners = await Promise.all(['Burst A', 'Burst B', 'Burst C'].map((name) => register(t.app, name)));
    const keys = await Promise.all(
      owners.map(async (owner) =>
        (
          await t.app.inject({
            method: 'POST',
            url: '/v1/api-keys',
            headers: bearer(owner.accessToken),
            payload: { name: 'burst' },
          })
        ).json<{ key: string; apiKey: { id: string; prefix: string } }>(),
      ),
    );
    const revoked = keys[2]!;
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/v1/api-keys/${revoked.apiKey.id}`,
          headers: bearer(owners[2]!.accessToken),
        })
      ).statusCode,
    ).toBe(204);
    // A member of A, signed in to A, then removed: the token is still valid, the membership is not.
    const member = await register(t.app, 'Burst member');
    const removedToken = await addMember(t.app, owners[0]!, member);
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/members/${member.userId}`,
      headers: bearer(owners[0]!.accessToken),
    });

    const callers = [
      ...keys.slice(0, 2).map((k, i) => ({
        headers: bearer(k.key),
        expect: { kind: 'apiKey', organizationId: owners[i]!.organizationId },
      })),
      ...owners.map((o) => ({
        headers: bearer(o.accessToken),
        expect: { kind: 'user', role: 'owner', organizationId: o.organizationId },
      })),
      {
        headers: bearer(member.accessToken),
        expect: { kind: 'user', role: 'owner', organizationId: member.organizationId },
      },
      { headers: bearer(revoked.key), expect: 'CUTLINE_UNAUTHENTICATED' },
      { headers: bearer(`cl_${keys[0]!.apiKey.prefix}_${'A'.repeat(43)}`), expect: 'CUTLINE_UNAUTHENTICATED' },
      { headers: bearer(removedToken), expect: 'CUTLINE_UNAUTHENTICATED' },
    ];
    // Several rounds of every caller at once, shuffled, so lookups of different clients share round trips.
    const burst = Array.from({ length: 4 }, () => callers)
      .flat()
      .sort(() => Math.random() - 0.5);
    const responses = await Promise.all(
      burst.map((c) => t.app.inject({ method: 'GET', url: '/v1/me', headers: c.headers })),
    );
    responses.forEach((response, i) => {
      const expected = burst[i]!.expect;
      if (typeof expected === 'string') expect([response.statusCode, errorCode(response)]).toEqual([401, expected]);
      else expect(response.json()).toMatchObject(expected);
    });
  });
});

describe('members', () => {
  it('adds (by invitation), promotes, demotes and removes members, guarding the last owner', async () => {
    const owner = await register(t.app, 'Owner');
    const other = await register(t.app, 'Member');
    const headers = bearer(owner.accessToken);
    const memberToken = await addMember(t.app, owner, other);
    const listed = await t.app.inject({ method: 'GET', url: '/v1/members', headers });
    expect(
      listed
        .json<Array<{ role: string }>>()
        .map((m) => m.role)
        .sort(),
    ).toEqual(['member', 'owner']);

    // Signed in to the shared organization, a member cannot manage others.
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/v1/members/${owner.userId}`,
          headers: bearer(memberToken),
          payload: { role: 'member' },
        })
      ).statusCode,
    ).toBe(403);

    expect(
      errorCode(
        await t.app.inject({
          method: 'PATCH',
          url: `/v1/members/${owner.userId}`,
          headers,
          payload: { role: 'admin' },
        }),
      ),
    ).toBe('CUTLINE_LAST_OWNER');
    expect(errorCode(await t.app.inject({ method: 'DELETE', url: `/v1/members/${owner.userId}`, headers }))).toBe(
      'CUTLINE_LAST_OWNER',
    );

    expect(
      (
        await t.app.inject({ method: 'PATCH', url: `/v1/members/${other.userId}`, headers, payload: { role: 'admin' } })
      ).json(),
    ).toMatchObject({ role: 'admin' });
    // Removal takes effect at once, even for a still-valid access token.
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/members/${other.userId}`, headers })).statusCode).toBe(
      204,
    );
    expect(errorCode(await t.app.inject({ method: 'GET', url: '/v1/members', headers: bearer(memberToken) }))).toBe(
      'CUTLINE_UNAUTHENTICATED',
    );
  });
});

describe('tenant isolation', () => {
  it('answers another organization’s ids with 404, never data', async () => {
    const a = await register(t.app, 'Alice');
    const b = await register(t.app, 'Bob');
    const key = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(a.accessToken),
        payload: { name: 'A key' },
      })
    ).json<{ apiKey: { id: string } }>().apiKey.id;

    const asB = bearer(b.accessToken);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${key}`, headers: asB })).statusCode).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/v1/members/${a.userId}`,
          headers: asB,
          payload: { role: 'member' },
        })
      ).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/members/${a.userId}`, headers: asB })).statusCode).toBe(
      404,
    );
    const bKeys = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: asB });
    expect(bKeys.json()).toEqual([]);
    const bMembers = await t.app.inject({ method: 'GET', url: '/v1/members', headers: asB });
    expect(bMembers.json<Array<{ userId: string }>>().map((m) => m.userId)).toEqual([b.userId]);
    // Signing in "into" someone else's organization is a 404 as well.
    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: b.email, password: 'correct horse battery', organizationId: a.organizationId },
    });
    expect(login.statusCode).toBe(404);
    // And A's key is untouched.
    expect((await t.db.apiKey.findUnique({ where: { id: key } }))!.revokedAt).toBeNull();
  });
});

describe('bad requests', () => {
  it('malformed JSON, wrong content type, oversized bodies and unknown routes get stable 4xx codes', async () => {
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect([malformed.statusCode, errorCode(malformed)]).toEqual([400, 'CUTLINE_MALFORMED_JSON']);
    const media = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expect([media.statusCode, errorCode(media)]).toEqual([415, 'CUTLINE_UNSUPPORTED_MEDIA_TYPE']);
    const huge = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect([huge.statusCode, errorCode(huge)]).toEqual([413, 'CUTLINE_BODY_TOO_LARGE']);
    const missing = await t.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect([missing.statusCode, errorCode(missing)]).toEqual([404, 'CUTLINE_NOT_FOUND']);
    const badId = await t.app.inject({
      method: 'DELETE',
      url: '/v1/api-keys/not-a-uuid',
      headers: bearer((await register(t.app, 'Ids')).accessToken),
    });
    expect([badId.statusCode, errorCode(badId)]).toEqual([400, 'CUTLINE_VALIDATION_FAILED']);
    for (const r of [malformed, media, huge, missing, badId])
      expect(r.body).not.toMatch(/stack|at .*\.js|prisma|SELECT/i);
  });

  it('rate-limits the auth routes per client', async () => {
    const limited = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '3' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        codes.push(
          (
            await limited.app.inject({
              method: 'POST',
              url: '/v1/auth/login',
              payload: { email: 'x@example.com', password: 'whatever12' },
            })
          ).statusCode,
        );
      }
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('operations endpoints', () => {
  it('serves health, readiness, Prometheus metrics and the OpenAPI document', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', objectStore: 'ok', eventBus: 'ok' },
    });
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer('not-the-metrics-token') })).statusCode,
    ).toBe(401);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) });
    expect(metrics.body).toContain('cutline_http_request_duration_seconds_bucket');
    expect(metrics.body).toMatch(/route="\/v1\/auth\/login"/);
    const openapi = await t.app.inject({ method: 'GET', url: '/docs/json' });
    const doc = openapi.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/auth/register', '/v1/auth/login', '/v1/api-keys', '/v1/members/{userId}']),
    );
  });
});

describe('readiness', () => {
  it('answers 503 and names the dependency that does not answer', async () => {
    const other = await startApp(services.postgresUrl);
    try {
      await other.bus.close();
      const response = await other.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        error: {
          code: 'CUTLINE_UNAVAILABLE',
          message: 'Not ready: eventBus not answering.',
          details: [{ field: 'eventBus', message: 'not answering' }],
        },
      });
    } finally {
      await other.close();
    }
  });
});
