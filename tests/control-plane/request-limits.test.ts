/**
 * How the API treats callers before and around their requests (issue 20, findings 7–9):
 * authentication before the body is read, a deadline for slow bodies, sign-in limits per
 * account and per real client address, and the smaller answers a careful API gives (a refresh
 * into a foreign organization, an Idempotency-Key reused with another body, absurd list
 * parameters). Last, every route of the OpenAPI document is sent malformed ids, ranges,
 * filters and bodies, and must answer 4xx.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, errorCode, register, startApp, type Account, type TestApp, uploadVideo } from './app-helper.js';

const services = inject('services');
let t: TestApp;
let owner: Account;
let assetId: string;

beforeAll(async () => {
  t = await startApp(
    services.postgresUrl,
    {
      CUTLINE_AUTH_RATE_LIMIT: '10000',
      CUTLINE_REQUEST_TIMEOUT: '1s',
      CUTLINE_AUTH_ACCOUNT_FAILURES: '3',
      CUTLINE_TRUST_PROXY: '127.0.0.1',
    },
    {},
    { listen: true },
  );
  owner = await register(t.app, 'Limits');
  assetId = await uploadVideo(t.app, owner.accessToken);
});
afterAll(() => t?.close());

/** Sends the headers and the first bytes of a body that never finishes; resolves with the answer's status line and when it came. */
function trickle(headers: Record<string, string>): Promise<{ status: number; afterMs: number }> {
  const { port } = new URL(t.baseUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      const lines = Object.entries({
        host: 'localhost',
        'content-type': 'application/json',
        'content-length': '100000',
        ...headers,
      }).map(([k, v]) => `${k}: ${v}`);
      socket.write(`POST /v1/renders HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n{"script":"`);
    });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (match) {
        resolve({ status: Number(match[1]), afterMs: Date.now() - started });
        socket.destroy();
      }
    });
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 10 s'));
    }, 10_000).unref();
  });
}

describe('slow and unauthenticated bodies', () => {
  it('refuses an unauthenticated request before reading its body', async () => {
    const answer = await trickle({});
    expect(answer.status).toBe(401);
    expect(answer.afterMs).toBeLessThan(900);
  });

  it('cuts off a body that does not arrive within the deadline', async () => {
    const answer = await trickle(bearer(owner.accessToken));
    expect(answer.status).toBe(408);
  });
});

describe('sign-in limits', () => {
  it('limit failed sign-ins per account, whatever address they come from', async () => {
    const victim = await register(t.app, 'Victim');
    const attempt = (password: string, ip: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: victim.email, password },
        remoteAddress: ip,
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt('wrong password', `192.0.2.${i + 1}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await attempt('correct horse battery', '192.0.2.9')).statusCode).toBe(429);
    const other = await register(t.app, 'Bystander');
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: other.email, password: 'correct horse battery' },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('count each client behind a trusted proxy by its own address', async () => {
    const limited = await startApp(services.postgresUrl, {
      CUTLINE_AUTH_RATE_LIMIT: '2',
      CUTLINE_TRUST_PROXY: '127.0.0.1',
    });
    try {
      const login = (client: string) =>
        limited.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: 'nobody@example.com', password: 'x' },
          remoteAddress: '127.0.0.1',
          headers: { 'x-forwarded-for': client },
        });
      expect([
        (await login('198.51.100.1')).statusCode,
        (await login('198.51.100.1')).statusCode,
        (await login('198.51.100.1')).statusCode,
      ]).toEqual([401, 401, 429]);
      expect((await login('198.51.100.2')).statusCode).toBe(401);
    } finally {
      await limited.close();
    }
  });
});

describe('careful answers', () => {
  it('a refresh naming a foreign organization is refused without using up the token', async () => {
    const stranger = await register(t.app, 'Stranger');
    const refresh = (organizationId?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refreshToken: stranger.refreshToken, ...(organizationId ? { organizationId } : {}) },
      });
    const foreign = await refresh(owner.organizationId);
    expect([foreign.statusCode, errorCode(foreign)]).toEqual([404, 'CUTLINE_NOT_FOUND']);
    expect((await refresh()).statusCode).toBe(200);
  });

  it('an Idempotency-Key reused with another body is refused; the same body in another order is a retry', async () => {
    const headers = { ...bearer(owner.accessToken), 'idempotency-key': `k-${Date.now()}` };
    const first = await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers,
      payload: { assetId, script: 'First body.', formats: ['9:16'] },
    });
    expect(first.statusCode).toBe(201);
    const retry = await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers,
      payload: { formats: ['9:16'], script: 'First body.', assetId },
    });
    expect([retry.statusCode, retry.json<{ id: string }>().id]).toEqual([200, first.json<{ id: string }>().id]);
    const other = await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers,
      payload: { assetId, script: 'Another body.', formats: ['9:16'] },
    });
    expect([other.statusCode, errorCode(other)]).toEqual([422, 'CUTLINE_IDEMPOTENCY_MISMATCH']);
    expect(
      await t.db.render.count({
        where: { organizationId: owner.organizationId, idempotencyKey: headers['idempotency-key'] },
      }),
    ).toBe(1);
  });

  it('absurd list parameters get 400', async () => {
    for (const query of [
      'range=[1e300,1e300]',
      'range=[0,1e300]',
      `filter=${encodeURIComponent('{"batchId":"x"}')}`,
      `filter=${encodeURIComponent('{"state":"nope"}')}`,
      `filter=${encodeURIComponent('{"q":["a"]}')}`,
    ]) {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/renders?${query}`,
        headers: bearer(owner.accessToken),
      });
      expect([query, response.statusCode, errorCode(response)]).toEqual([query, 400, 'CUTLINE_VALIDATION_FAILED']);
    }
  });
});

describe('every route, malformed', () => {
  it('answers malformed ids, ranges, filters and bodies with 4xx, never 5xx', async () => {
    const operator = await register(t.app, 'Negative operator');
    await t.db.user.update({ where: { id: operator.userId }, data: { isPlatformAdmin: true } });
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
    }>();
    const badIds = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', '..%2F..%2Fetc', 'x'.repeat(300)];
    const badQueries = [
      'range=[1e300,1e300]',
      'range=[-1,5]',
      'range="x"',
      'range=[5,1]',
      'sort=["nope","ASC"]',
      'sort=[1,2,3]',
      'filter=[]',
      'filter={"batchId":"x","organizationId":"y"}',
      'filter=nope',
    ];
    const badBodies: unknown[] = [
      '{"unterminated',
      '[]',
      '"a string"',
      'null',
      JSON.stringify({ unexpected: 'field'.repeat(10) }),
    ];
    const failures: string[] = [];
    let sent = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const upper = method.toUpperCase() as 'GET';
        const urls = path.includes('{') ? badIds.map((id) => path.replace(/\{\w+\}/g, id)) : [path];
        const lists =
          upper === 'GET' && (operation.parameters ?? []).some((p) => p.in === 'query' && p.name === 'range');
        for (const url of urls) {
          // Malformed ids and list parameters must be refused; a malformed body must at least not break anything.
          const requests: Array<{ url: string; payload?: string; refused: boolean }> = [
            { url, refused: path.includes('{') },
          ];
          if (lists)
            for (const q of badQueries)
              requests.push({ url: `${url}?${q.replace(/[[\]{}"]/g, encodeURIComponent)}`, refused: true });
          if (upper !== 'GET' && upper !== ('DELETE' as string))
            for (const body of badBodies) requests.push({ url, payload: String(body), refused: path.includes('{') });
          for (const request of requests) {
            // An accepted event stream never ends (its own tests cover it).
            if (!request.refused && path.endsWith('/events')) continue;
            for (const headers of [bearer(owner.accessToken), bearer(operator.accessToken)]) {
              const response = await t.app.inject({
                method: upper,
                url: request.url,
                headers: {
                  ...headers,
                  ...(request.payload !== undefined ? { 'content-type': 'application/json' } : {}),
                },
                ...(request.payload !== undefined ? { payload: request.payload } : {}),
              });
              sent++;
              if (response.statusCode >= 500 || (request.refused && response.statusCode < 400))
                failures.push(
                  `${upper} ${request.url} ${request.payload ?? ''} → ${response.statusCode} ${response.body.slice(0, 120)}`,
                );
            }
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(300);
    expect(failures).toEqual([]);
  });
});
