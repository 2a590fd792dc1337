import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from 'react-admin';
import { asFormError, dataProvider, listQuery, RESOURCES, totalOf } from './dataProvider';
import { ApiError } from './http';
import { saveSession } from './session';

afterEach(() => vi.unstubAllGlobals());

function session() {
  saveSession({
    accessToken: 'access-1',
    expiresIn: 900,
    refreshToken: 'refresh-1',
    user: { id: 'u', email: 'a@b.c', name: 'A', isPlatformAdmin: false },
    organization: { id: 'o', name: 'O', slug: 'o', plan: 'free', role: 'owner' },
  });
}

describe('dataProvider', () => {
  it('writes simple-rest list parameters the API understands, dropping unsortable fields and empty filters', () => {
    const query = new URLSearchParams(
      listQuery(RESOURCES.renders!, {
        pagination: { page: 2, perPage: 10 },
        sort: { field: 'queuedAt', order: 'DESC' },
        filter: { state: 'failed', q: '' },
      }),
    );
    expect(query.get('range')).toBe('[10,19]');
    expect(query.get('sort')).toBe('["queuedAt","DESC"]');
    expect(query.get('filter')).toBe('{"state":"failed"}');
    const unsortable = new URLSearchParams(
      listQuery(RESOURCES.renders!, {
        pagination: { page: 1, perPage: 5 },
        sort: { field: 'voice', order: 'ASC' },
        filter: {},
      }),
    );
    expect(unsortable.has('sort')).toBe(false);
    const activity = new URLSearchParams(
      listQuery(RESOURCES.activity!, {
        pagination: { page: 1, perPage: 50 },
        sort: { field: 'createdAt', order: 'DESC' },
        filter: { projectId: 'p1' },
      }),
    );
    expect([activity.get('range'), activity.get('sort'), activity.get('filter')]).toEqual([
      '[0,49]',
      '["createdAt","DESC"]',
      '{"projectId":"p1"}',
    ]);
  });

  it('reads the total from Content-Range', () => {
    expect(totalOf(new Headers({ 'content-range': 'renders 0-24/319' }), 25)).toBe(319);
    expect(totalOf(new Headers(), 7)).toBe(7);
  });

  it('refreshes an expired access token once and repeats the request', async () => {
    session();
    const calls: Array<{ url: string; auth: string | null }> = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push({ url, auth: new Headers(init.headers).get('authorization') });
        if (url === '/v1/auth/refresh') {
          return new Response(
            JSON.stringify({
              accessToken: 'access-2',
              expiresIn: 900,
              refreshToken: 'refresh-2',
              user: { id: 'u', email: 'a@b.c', name: 'A', isPlatformAdmin: false },
              organization: { id: 'o', name: 'O', slug: 'o', plan: 'free', role: 'owner' },
            }),
            { status: 200, headers: { 'content-type': 'application/json' } },
          );
        }
        if (new Headers(init.headers).get('authorization') === 'Bearer access-1') {
          return new Response(JSON.stringify({ error: { code: 'CUTLINE_TOKEN_EXPIRED', message: 'expired' } }), {
            status: 401,
            headers: { 'content-type': 'application/json' },
          });
        }
        return new Response(JSON.stringify([{ userId: 'm1', email: 'm@x.y' }]), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }),
    );
    const { data, total } = await dataProvider.getList('members', {
      pagination: { page: 1, perPage: 25 },
      sort: { field: 'id', order: 'ASC' },
      filter: {},
    });
    expect(data).toEqual([{ userId: 'm1', email: 'm@x.y', id: 'm1' }]);
    expect(total).toBe(1);
    expect(calls.map((c) => `${c.url} ${c.auth}`)).toEqual([
      '/v1/members Bearer access-1',
      '/v1/auth/refresh null',
      '/v1/members Bearer access-2',
    ]);
  });

  it("turns the API's error body into an ApiError with its code and field details", async () => {
    session();
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(
            JSON.stringify({
              error: {
                code: 'CUTLINE_VALIDATION_FAILED',
                message: 'Bad',
                details: [{ field: 'plan', message: 'is invalid' }],
              },
            }),
            { status: 400, headers: { 'content-type': 'application/json' } },
          ),
      ),
    );
    await expect(
      dataProvider.update('organizations', {
        id: 'o',
        data: { plan: 'gold' },
        previousData: { id: 'o', plan: 'free' },
      }),
    ).rejects.toMatchObject({
      status: 400,
      code: 'CUTLINE_VALIDATION_FAILED',
      details: [{ field: 'plan', message: 'is invalid' }],
    });
  });
});

describe('asFormError', () => {
  it('puts each API field message under its input and the whole message at the form root', () => {
    const refusal = new ApiError(422, 'CUTLINE_VALIDATION_FAILED', 'The plan is not known.', [
      { field: 'plan', message: 'must be one of free, starter, pro, business, enterprise' },
      { field: 'name.length', message: 'is too long' },
    ]);
    let thrown: unknown;
    try {
      asFormError(refusal);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HttpError);
    expect((thrown as HttpError).status).toBe(422);
    expect((thrown as HttpError).body).toEqual({
      code: 'CUTLINE_VALIDATION_FAILED',
      errors: {
        root: { serverError: 'The plan is not known.' },
        plan: 'must be one of free, starter, pro, business, enterprise',
        name: 'is too long',
      },
    });
    expect(() => asFormError(new Error('network'))).toThrow('network');
  });
});
