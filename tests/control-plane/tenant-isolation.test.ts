/**
 * Walks every route that takes an id with a second organization's credentials: each answers
 * 404 and changes nothing. Routes come from the OpenAPI document, so a new route without an
 * entry here fails the test until it is covered.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureCorpus } from '../render/corpus.js';
import { bearer, register, startApp, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;
let a: Account;
let b: Account;
let bKey: string;
const ids: Record<string, string> = {};
let webhookSecret = '';

beforeAll(async () => {
  const corpus = await ensureCorpus();
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' });
  a = await register(t.app, 'Tenant A');
  b = await register(t.app, 'Tenant B');
  bKey = (
    await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(b.accessToken), payload: { name: 'b' } })
  ).json<{ key: string }>().key;
  const asset = await t.app.inject({
    method: 'POST',
    url: '/v1/assets?kind=video&filename=a.mp4',
    headers: { ...bearer(a.accessToken), 'content-type': 'video/mp4' },
    payload: await readFile(corpus.oneSecond),
  });
  ids.asset = asset.json<{ id: string }>().id;
  ids.render = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(a.accessToken),
      payload: { assetId: ids.asset, script: 'Private to A.' },
    })
  ).json<{ id: string }>().id;
  ids.apiKey = (
    await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(a.accessToken), payload: { name: 'a' } })
  ).json<{ apiKey: { id: string } }>().apiKey.id;
  ids.project = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: bearer(a.accessToken),
      payload: { name: 'A’s client' },
    })
  ).json<{ id: string }>().id;
  ids.comment = (
    await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${ids.render}/comments`,
      headers: bearer(a.accessToken),
      payload: { body: 'A’s feedback' },
    })
  ).json<{ id: string }>().id;
  ids.imagePreset = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/images/presets',
      headers: bearer(a.accessToken),
      payload: { name: 'A’s banner', width: 1200, height: 400, format: 'jpeg' },
    })
  ).json<{ id: string }>().id;
  ids.downloadToken = `${randomUUID()}.zzzzzz.${'A'.repeat(43)}`;
  ids.member = a.userId;
  ids.organization = a.organizationId;
  ids.voice = 'espeak:en-us';
  await t.db.organization.update({ where: { id: a.organizationId }, data: { plan: 'pro' } });
  const batch = await t.app.inject({
    method: 'POST',
    url: '/v1/batches',
    headers: { ...bearer(a.accessToken), 'content-type': 'text/csv' },
    payload: `script,video\nA batch row.,${ids.asset}\n`,
  });
  ids.batch = batch.json<{ batchId: string }>().batchId;
  ids.invitation = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/invitations',
      headers: bearer(a.accessToken),
      payload: { email: 'invitee-of-a@example.com', role: 'member' },
    })
  ).json<{ id: string }>().id;
  const webhook = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: bearer(a.accessToken),
      // An address literal: the target check needs no DNS here.
      payload: { url: 'https://93.184.216.34/hook', eventTypes: ['render.succeeded'] },
    })
  ).json<{ id: string; secret: string }>();
  ids.webhook = webhook.id;
  webhookSecret = webhook.secret;
  ids.delivery = (
    await t.db.webhookDelivery.create({
      data: {
        id: randomUUID(),
        endpointId: webhook.id,
        organizationId: a.organizationId,
        eventType: 'render.succeeded',
        eventKey: 'tenant-test',
        payload: { type: 'render.succeeded' },
        status: 'failed',
      },
    })
  ).id;
});
afterAll(() => t?.close());

/**
 * For each templated path: which of A's ids fills it, a body (and query) valid enough to reach
 * the lookup, and what another tenant gets: 404 by default; 403 on operator routes, which no
 * tenant reaches; 200 where the path names shared catalogue data rather than a tenant's.
 */
const ROUTES: Record<
  string,
  { id: keyof typeof ids | string; bodies?: Record<string, unknown>; query?: string; status?: number }
> = {
  '/v1/assets/{id}/caption-preview': { id: 'asset', query: '?style=clean&aspect=9:16' },
  '/v1/voices/{id}/sample': { id: 'voice', status: 200 },
  // The signed link is the credential (its own tests forge and expire it); an unsigned one is refused.
  '/v1/downloads/{token}': { id: 'downloadToken', status: 400 },
  '/v1/admin/organizations/{id}': { id: 'organization', bodies: { patch: { suspended: true } }, status: 403 },
  '/v1/admin/renders/{id}/retry': { id: 'render', status: 403 },
  '/v1/admin/renders/{id}/cancel': { id: 'render', status: 403 },
  '/v1/assets/{id}': { id: 'asset', bodies: { patch: { tags: ['b-was-here'] } } },
  '/v1/assets/{id}/complete': { id: 'asset' },
  '/v1/assets/{id}/link': { id: 'asset' },
  '/v1/assets/{id}/parts': { id: 'asset', bodies: { post: { partNumbers: [1] } } },
  '/v1/renders/{id}': { id: 'render', bodies: { patch: { title: 'B was here' } } },
  '/v1/renders/{id}/comments': { id: 'render', bodies: { post: { body: 'B was here' } } },
  '/v1/comments/{id}': { id: 'comment', bodies: { patch: { resolved: true } } },
  '/v1/images/presets/{id}': { id: 'imagePreset' },
  '/v1/projects/{id}': { id: 'project', bodies: { patch: { name: 'B was here' } } },
  '/v1/projects/{id}/items': { id: 'project', bodies: { post: { assetIds: [randomUUID()] } } },
  '/v1/renders/{id}/cancel': { id: 'render' },
  '/v1/renders/{id}/retry': { id: 'render' },
  '/v1/renders/{id}/outputs': { id: 'render' },
  '/v1/renders/{id}/events': { id: 'render' },
  '/v1/api-keys/{id}': { id: 'apiKey' },
  '/v1/batches/{id}/zip': { id: 'batch' },
  '/v1/members/{userId}': { id: 'member', bodies: { patch: { role: 'member' } } },
  '/v1/invitations/{id}': { id: 'invitation' },
  '/v1/invitations/{id}/resend': { id: 'invitation' },
  '/v1/webhooks/{id}': { id: 'webhook', bodies: { patch: { enabled: false } } },
  '/v1/webhooks/{id}/rotate-secret': { id: 'webhook' },
  '/v1/webhooks/{id}/deliveries': { id: 'webhook' },
  '/v1/webhooks/{id}/deliveries/{deliveryId}': { id: 'webhook' },
  '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': { id: 'webhook' },
};

/** Routes for people only: an API key is refused before any lookup (403 for every id alike). */
const PEOPLE_ONLY = ['/v1/members', '/v1/api-keys', '/v1/invitations', '/v1/webhooks', '/v1/comments'];
const PEOPLE_ONLY_PATHS = ['/v1/renders/{id}/comments'];

describe('tenant isolation', () => {
  it('every route with an id answers another organization with 404 and changes nothing', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const templated = Object.entries(doc.paths).filter(([path]) => path.includes('{'));
    expect(templated.map(([path]) => path).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const [path, methods] of templated) {
      const route = ROUTES[path]!;
      const url =
        path.replace('{deliveryId}', ids.delivery!).replace(/\{\w+\}/, encodeURIComponent(ids[route.id]!)) +
        (route.query ?? '');
      const status = route.status ?? 404;
      for (const method of Object.keys(methods)) {
        const credentials =
          PEOPLE_ONLY.some((prefix) => path.startsWith(prefix)) || PEOPLE_ONLY_PATHS.includes(path)
            ? [bearer(b.accessToken)]
            : [bearer(b.accessToken), bearer(bKey)];
        for (const headers of credentials) {
          const body = route.bodies?.[method];
          const response = await t.app.inject({
            method: method.toUpperCase() as 'GET',
            url,
            headers,
            ...(body ? { payload: body } : {}),
          });
          expect(`${method.toUpperCase()} ${path} → ${response.statusCode}`).toBe(
            `${method.toUpperCase()} ${path} → ${status}`,
          );
          if (status !== 200) expect(response.body).not.toContain(ids[route.id]!);
        }
      }
    }
    // Nothing of A's changed.
    expect(await t.db.render.findUnique({ where: { id: ids.render! } })).toMatchObject({
      state: 'queued',
      title: null,
    });
    expect(await t.db.asset.findUnique({ where: { id: ids.asset! } })).toMatchObject({ tags: [], deletedAt: null });
    expect(await t.db.imagePreset.count({ where: { id: ids.imagePreset! } })).toBe(1);
    expect(await t.db.comment.findUnique({ where: { id: ids.comment! } })).toMatchObject({ resolvedAt: null });
    expect((await t.db.project.findUnique({ where: { id: ids.project! } }))!.name).toBe('A’s client');
    expect((await t.db.apiKey.findUnique({ where: { id: ids.apiKey! } }))!.revokedAt).toBeNull();
    expect(await t.db.membership.count({ where: { organizationId: a.organizationId } })).toBe(1);
    expect((await t.db.organization.findUnique({ where: { id: a.organizationId } }))!.suspendedAt).toBeNull();
    expect(await t.db.invitation.findUnique({ where: { id: ids.invitation! } })).toMatchObject({
      revokedAt: null,
      sentCount: 1,
    });
    expect(await t.db.webhookEndpoint.findUnique({ where: { id: ids.webhook! } })).toMatchObject({
      enabled: true,
      secret: webhookSecret,
    });
    expect(await t.db.webhookDelivery.findUnique({ where: { id: ids.delivery! } })).toMatchObject({ status: 'failed' });
  });

  it('an image batch naming another organization’s pictures, project or preset is refused, and makes nothing', async () => {
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ assetIds: [ids.asset], presets: ['x-post'] }, 404],
      [{ fromProjectId: ids.project, presets: ['x-post'] }, 400],
      [{ assetIds: [ids.asset], presets: ['x-post'], projectId: ids.project }, 404],
      [{ assetIds: [ids.asset], presets: [ids.imagePreset] }, 400],
    ];
    for (const [payload, status] of cases) {
      for (const headers of [bearer(b.accessToken), bearer(bKey)]) {
        const response = await t.app.inject({ method: 'POST', url: '/v1/images/batches', headers, payload });
        expect(`${JSON.stringify(payload)} → ${response.statusCode}`).toBe(`${JSON.stringify(payload)} → ${status}`);
        for (const id of Object.values(ids)) expect(response.body).not.toContain(id);
      }
    }
    expect(await t.db.batch.count({ where: { organizationId: b.organizationId } })).toBe(0);
  });

  it('lists show only the caller’s own records', async () => {
    for (const url of [
      '/v1/assets',
      '/v1/assets/tags',
      '/v1/projects',
      '/v1/organization',
      '/v1/images/presets',
      '/v1/usage/history',
      '/v1/usage/history.csv',
      '/v1/activity/export.csv',
      '/v1/renders',
      '/v1/api-keys',
      '/v1/members',
      '/v1/activity',
      '/v1/invitations',
      '/v1/webhooks',
    ]) {
      const response = await t.app.inject({ method: 'GET', url, headers: bearer(b.accessToken) });
      expect(response.statusCode).toBe(200);
      for (const id of Object.values(ids)) expect(`${url}: ${response.body.includes(id)}`).toBe(`${url}: false`);
    }
  });

  it('the activity log records uploads and renders for the organization that did them', async () => {
    const activity = await t.app.inject({ method: 'GET', url: '/v1/activity', headers: bearer(a.accessToken) });
    expect(activity.json<Array<{ action: string }>>().map((e) => e.action)).toEqual(
      expect.arrayContaining(['asset.uploaded', 'render.submitted']),
    );
    expect(activity.headers['content-range']).toMatch(/^activity 0-\d+\/\d+$/);
  });
});
