/**
 * What the admin UI needs from the API beyond the creators' routes: the operators' console
 * (/v1/admin), platform admins granted by `control-plane admin`, the plan table, voice samples,
 * caption-style preview frames, Range requests on the local object store, and the UI itself
 * served at / with deep links.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AccountsRepository } from '../../control-plane/src/repositories/accounts-repository.js';
import { ensureCorpus } from '../render/corpus.js';
import { bearer, errorCode, register, startApp, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `control-plane admin …` against the test's database, as an operator would. */
function adminCommand(args: string[]) {
  const result = spawnSync(join(ROOT, 'control-plane/bin/cutline.js'), ['admin', ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: t.databaseUrl },
    encoding: 'utf8',
  });
  if (result.status === null) throw new Error(`admin ${args.join(' ')}: ${result.stderr}`);
  return result;
}
const OPERATOR_EMAIL = `ops-${Date.now()}@example.com`;
let t: TestApp;
let operator: Account;
let creator: Account;
let creatorKey: string;
let assetId: string;
let uiDir: string;

beforeAll(async () => {
  const corpus = await ensureCorpus();
  uiDir = await mkdtemp(join(tmpdir(), 'cutline-ui-'));
  await mkdir(join(uiDir, 'assets'));
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Cutline</title><div id="root"></div>');
  await writeFile(join(uiDir, 'assets', 'index-abc123.js'), 'console.log("ui")');
  // A real port (caption previews read the video through its signed link), and no dispatcher:
  // the renders these tests submit stay queued.
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' }, {}, { listen: true, uiDir });
  const registered = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email: OPERATOR_EMAIL, password: 'correct horse battery', name: 'Olive' },
  });
  const body = registered.json<{
    accessToken: string;
    refreshToken: string;
    user: { id: string; isPlatformAdmin: boolean };
    organization: { id: string };
  }>();
  expect(body.user.isPlatformAdmin).toBe(false);
  adminCommand(['grant', OPERATOR_EMAIL.toUpperCase()]);
  operator = {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    userId: body.user.id,
    organizationId: body.organization.id,
    email: OPERATOR_EMAIL,
  };
  creator = await register(t.app, 'Cora');
  creatorKey = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(creator.accessToken),
      payload: { name: 'k' },
    })
  ).json<{ key: string }>().key;
  const asset = await t.app.inject({
    method: 'POST',
    url: '/v1/assets?kind=video&filename=a.mp4',
    headers: { ...bearer(creator.accessToken), 'content-type': 'video/mp4' },
    payload: await readFile(corpus.oneSecond),
  });
  expect(asset.statusCode).toBe(201);
  assetId = asset.json<{ id: string }>().id;
});
afterAll(() => t?.close());

const ADMIN_LISTS = [
  '/v1/admin/organizations',
  '/v1/admin/users',
  '/v1/admin/renders',
  '/v1/admin/activity',
  '/v1/admin/system',
];

describe('operators’ console API', () => {
  it('is for platform admins only: users and API keys of any role get 403', async () => {
    for (const url of ADMIN_LISTS) {
      for (const headers of [bearer(creator.accessToken), bearer(creatorKey)]) {
        const response = await t.app.inject({ method: 'GET', url, headers });
        expect(`${url} ${response.statusCode} ${errorCode(response)}`).toBe(`${url} 403 CUTLINE_FORBIDDEN`);
      }
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'GET', url, headers: bearer(operator.accessToken) })).statusCode).toBe(200);
    }
  });

  it('operator rights come from `control-plane admin` for existing accounts only, and are read on every request', async () => {
    // A grant for an address nobody has registered yet does nothing: registering it later gives no rights.
    const future = `later-${Date.now()}@example.com`;
    expect(adminCommand(['grant', future]).status).toBe(1);
    const late = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: future, password: 'correct horse battery', name: 'Late' },
    });
    expect(late.json<{ user: { isPlatformAdmin: boolean } }>().user.isPlatformAdmin).toBe(false);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/v1/admin/system',
          headers: bearer(late.json<{ accessToken: string }>().accessToken),
        })
      ).statusCode,
    ).toBe(403);

    // The same access token loses and regains the console the moment the record changes.
    const askConsole = () =>
      t.app.inject({ method: 'GET', url: '/v1/admin/system', headers: bearer(operator.accessToken) });
    expect((await askConsole()).statusCode).toBe(200);
    expect(adminCommand(['revoke', OPERATOR_EMAIL]).status).toBe(0);
    expect((await askConsole()).statusCode).toBe(403);
    expect(adminCommand(['grant', OPERATOR_EMAIL]).status).toBe(0);
    expect((await askConsole()).statusCode).toBe(200);
    expect(adminCommand(['list']).stdout).toContain(OPERATOR_EMAIL);
    expect(await new AccountsRepository(t.db).platformAdmins()).toEqual([OPERATOR_EMAIL]);
  });

  it('lists organizations with plan and use, changes a plan, suspends and restores', async () => {
    const counted = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(creator.accessToken),
        payload: { assetId, script: 'Counted in the period.' },
      })
    ).json<{ id: string }>().id;
    const canceled = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(creator.accessToken),
        payload: { assetId, script: 'Canceled, then retried.' },
      })
    ).json<{ id: string }>().id;
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/v1/renders/${canceled}/cancel`,
          headers: bearer(creator.accessToken),
        })
      ).statusCode,
    ).toBe(200);
    expect(counted).toBeTruthy();
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/admin/organizations?filter=${encodeURIComponent(JSON.stringify({ q: 'cora' }))}`,
      headers: bearer(operator.accessToken),
    });
    expect(list.headers['content-range']).toBe('organizations 0-0/1');
    expect(list.json()).toEqual([
      expect.objectContaining({
        id: creator.organizationId,
        plan: 'free',
        suspended: false,
        members: 1,
        rendersThisPeriod: 1,
        subscriptionStatus: null,
      }),
    ]);

    const url = `/v1/admin/organizations/${creator.organizationId}`;
    const changed = await t.app.inject({
      method: 'PATCH',
      url,
      headers: bearer(operator.accessToken),
      payload: { plan: 'pro', suspended: true },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ plan: 'pro', suspended: true });
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(creator.accessToken),
      payload: { assetId, script: 'Suspended.' },
    });
    expect([refused.statusCode, errorCode(refused)]).toEqual([403, 'CUTLINE_SUSPENDED']);
    // Nor can it retry (and be charged for) an old render, or send a batch.
    const reservedBefore = await t.db.usagePeriod.aggregate({
      where: { organizationId: creator.organizationId },
      _sum: { rendersReserved: true },
    });
    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${canceled}/retry`,
      headers: bearer(creator.accessToken),
    });
    expect([retried.statusCode, errorCode(retried)]).toEqual([403, 'CUTLINE_SUSPENDED']);
    const batch = await t.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...bearer(creator.accessToken), 'content-type': 'text/csv' },
      payload: `script,video\nA row.,${assetId}\n`,
    });
    expect([batch.statusCode, errorCode(batch)]).toEqual([403, 'CUTLINE_SUSPENDED']);
    expect(
      await t.db.usagePeriod.aggregate({
        where: { organizationId: creator.organizationId },
        _sum: { rendersReserved: true },
      }),
    ).toEqual(reservedBefore);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/usage', headers: bearer(creator.accessToken) })).json(),
    ).toMatchObject({ plan: 'pro' });
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url,
          headers: bearer(operator.accessToken),
          payload: { suspended: false },
        })
      ).json(),
    ).toMatchObject({ plan: 'pro', suspended: false });

    const activity = await t.app.inject({
      method: 'GET',
      url: `/v1/admin/activity?filter=${encodeURIComponent(JSON.stringify({ organizationId: creator.organizationId }))}`,
      headers: bearer(operator.accessToken),
    });
    const changes = activity
      .json<Array<{ action: string; actorUserId: string; data: { before: unknown; after: unknown } }>>()
      .filter((a) => a.action === 'organization.changed_by_operator');
    expect(changes).toHaveLength(2);
    expect(changes[1]).toMatchObject({
      actorUserId: operator.userId,
      data: { before: { plan: 'free', suspended: false }, after: { plan: 'pro', suspended: true } },
    });
    // The creator's own log shows it too: they can see who changed their plan.
    const own = await t.app.inject({ method: 'GET', url: '/v1/activity', headers: bearer(creator.accessToken) });
    expect(own.json<Array<{ action: string }>>().map((a) => a.action)).toContain('organization.changed_by_operator');

    for (const [payload, status] of [
      [{}, 400],
      [{ plan: 'gold' }, 400],
      [{ name: 'x' }, 400],
    ] as const) {
      const bad = await t.app.inject({ method: 'PATCH', url, headers: bearer(operator.accessToken), payload });
      expect([JSON.stringify(payload), bad.statusCode, errorCode(bad)]).toEqual([
        JSON.stringify(payload),
        status,
        'CUTLINE_VALIDATION_FAILED',
      ]);
    }
    const missing = await t.app.inject({
      method: 'PATCH',
      url: '/v1/admin/organizations/00000000-0000-4000-8000-000000000000',
      headers: bearer(operator.accessToken),
      payload: { plan: 'pro' },
    });
    expect([missing.statusCode, errorCode(missing)]).toEqual([404, 'CUTLINE_NOT_FOUND']);
  });

  it('lists renders of every organization with filters, and retries or cancels one as its organization', async () => {
    const submitted = await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(creator.accessToken),
      payload: { assetId, title: 'Operator target', script: 'An operator acts on this one.' },
    });
    const renderId = submitted.json<{ id: string }>().id;
    const filter = (f: object) => `/v1/admin/renders?filter=${encodeURIComponent(JSON.stringify(f))}`;
    const mine = await t.app.inject({
      method: 'GET',
      url: filter({ organizationId: creator.organizationId, q: 'operator target' }),
      headers: bearer(operator.accessToken),
    });
    expect(mine.json()).toEqual([
      expect.objectContaining({ id: renderId, organizationId: creator.organizationId, tier: 'pro' }),
    ]);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: filter({ tier: 'enterprise' }),
          headers: bearer(operator.accessToken),
        })
      ).json(),
    ).toEqual([]);
    for (const bad of [{ state: 'lost' }, { tier: 'gold' }, { organizationId: 'nope' }, { q: 5 }]) {
      const response = await t.app.inject({ method: 'GET', url: filter(bad), headers: bearer(operator.accessToken) });
      expect([JSON.stringify(bad), response.statusCode, errorCode(response)]).toEqual([
        JSON.stringify(bad),
        400,
        'CUTLINE_VALIDATION_FAILED',
      ]);
    }

    const usedBefore = (
      await t.app.inject({ method: 'GET', url: '/v1/usage', headers: bearer(creator.accessToken) })
    ).json<{ renders: { used: number } }>().renders.used;
    const canceled = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/renders/${renderId}/cancel`,
      headers: bearer(operator.accessToken),
    });
    expect(canceled.json()).toMatchObject({ id: renderId, state: 'canceled', organizationId: creator.organizationId });
    const usage = async () =>
      (await t.app.inject({ method: 'GET', url: '/v1/usage', headers: bearer(creator.accessToken) })).json<{
        renders: { used: number };
      }>().renders.used;
    expect(await usage()).toBe(usedBefore - 1);
    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/renders/${renderId}/cancel`,
      headers: bearer(operator.accessToken),
    });
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'CUTLINE_NOT_CANCELABLE']);
    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/renders/${renderId}/retry`,
      headers: bearer(operator.accessToken),
    });
    expect(retried.json()).toMatchObject({ id: renderId, state: 'queued' });
    expect(await usage()).toBe(usedBefore);
    const log = (await t.app.inject({ method: 'GET', url: '/v1/activity', headers: bearer(creator.accessToken) })).json<
      Array<{ action: string; actorUserId: string }>
    >();
    expect(log.find((a) => a.action === 'render.retried')).toMatchObject({ actorUserId: operator.userId });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/renders/00000000-0000-4000-8000-000000000000/retry',
      headers: bearer(operator.accessToken),
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('lists users with their organizations, and reports the system by tier', async () => {
    const users = await t.app.inject({
      method: 'GET',
      url: `/v1/admin/users?filter=${encodeURIComponent(JSON.stringify({ q: creator.email }))}`,
      headers: bearer(operator.accessToken),
    });
    expect(users.json()).toEqual([
      expect.objectContaining({
        id: creator.userId,
        isPlatformAdmin: false,
        organizations: [expect.objectContaining({ id: creator.organizationId, role: 'owner' })],
      }),
    ]);
    expect(users.body).not.toContain('password');

    const system = (
      await t.app.inject({ method: 'GET', url: '/v1/admin/system', headers: bearer(operator.accessToken) })
    ).json<{
      launcher: string;
      dependencies: Record<string, string>;
      byTier: Array<{ tier: string; queued: number; running: number }>;
      throughput: unknown[];
    }>();
    expect(system.launcher).toBe('local');
    expect(system.dependencies).toEqual({ database: 'ok', objectStore: 'ok', eventBus: 'ok' });
    expect(system.byTier.map((t) => t.tier)).toEqual(['enterprise', 'business', 'pro', 'starter', 'free']);
    const active = await t.db.render.groupBy({
      by: ['tier'],
      where: { state: { in: ['queued', 'admitted', 'running'] } },
      _count: true,
    });
    const total = system.byTier.reduce((sum, tier) => sum + tier.queued + tier.running, 0);
    // Renders move on while we look; the snapshot counted at most what exists.
    expect(total).toBeLessThanOrEqual(active.reduce((sum, row) => sum + row._count, 0) + 2);
    expect(system.throughput.length).toBeGreaterThanOrEqual(24);
  });
});

describe('what the new-video form reads', () => {
  it('lists every plan with the limits that lock or unlock options', async () => {
    const plans = (await t.app.inject({ method: 'GET', url: '/v1/plans', headers: bearer(creator.accessToken) })).json<
      Array<{ id: string; batch: boolean; maxResolution: number }>
    >();
    expect(plans.map((p) => p.id)).toEqual(['free', 'starter', 'pro', 'business', 'enterprise']);
    expect(plans.find((p) => p.id === 'free')).toMatchObject({ batch: false });
    expect(plans.find((p) => p.id === 'pro')).toMatchObject({ batch: true });
  });

  it('plays a voice sample as WAV and refuses unknown voices', async () => {
    const sample = await t.app.inject({
      method: 'GET',
      url: `/v1/voices/${encodeURIComponent('espeak:en-us')}/sample`,
      headers: bearer(creator.accessToken),
    });
    expect(sample.statusCode).toBe(200);
    expect(sample.headers['content-type']).toBe('audio/wav');
    expect(sample.rawPayload.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(sample.rawPayload.length).toBeGreaterThan(20_000);
    const unknown = await t.app.inject({
      method: 'GET',
      url: `/v1/voices/${encodeURIComponent('espeak:xx-none')}/sample`,
      headers: bearer(creator.accessToken),
    });
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([404, 'CUTLINE_NOT_FOUND']);
    const bad = await t.app.inject({
      method: 'GET',
      url: `/v1/voices/${encodeURIComponent('; rm -rf /')}/sample`,
      headers: bearer(creator.accessToken),
    });
    expect(bad.statusCode).toBe(400);
  });

  it('renders a caption-style preview frame of the uploaded video with libass', async () => {
    const frames: Buffer[] = [];
    for (const style of ['clean', 'karaoke']) {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/assets/${assetId}/caption-preview?style=${style}&aspect=9:16`,
        headers: bearer(creator.accessToken),
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('image/jpeg');
      expect(response.rawPayload.subarray(0, 2).toString('hex')).toBe('ffd8');
      frames.push(response.rawPayload);
    }
    // Different styles draw different pixels on the same frame.
    expect(frames[0]!.equals(frames[1]!)).toBe(false);
    const bad = await t.app.inject({
      method: 'GET',
      url: `/v1/assets/${assetId}/caption-preview?style=comic-sans`,
      headers: bearer(creator.accessToken),
    });
    expect([bad.statusCode, errorCode(bad)]).toEqual([400, 'CUTLINE_VALIDATION_FAILED']);
  });
});

describe('serving files to the browser', () => {
  it('answers Range requests on local object links (players seek, ffmpeg reads the index)', async () => {
    const object = 'range-test/file.bin';
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    const { Readable } = await import('node:stream');
    await t.store.put(object, Readable.from([bytes]), { contentType: 'application/octet-stream', maxBytes: 10_000 });
    const link = await t.store.presignGet(object, { expiresSeconds: 60 });
    const part = await fetch(link, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await fetch(link, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(990))).toBe(true);
    expect((await fetch(link, { headers: { range: 'bytes=5000-' } })).status).toBe(416);
    const preflight = await fetch(link, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:8080', 'access-control-request-method': 'PUT' },
    });
    expect([
      preflight.status,
      preflight.headers.get('access-control-allow-origin'),
      preflight.headers.get('access-control-allow-methods'),
    ]).toEqual([204, '*', 'GET, PUT, HEAD']);
    const whole = await fetch(link);
    expect(whole.headers.get('access-control-allow-origin')).toBe('*');
    expect([whole.status, whole.headers.get('accept-ranges'), (await whole.arrayBuffer()).byteLength]).toEqual([
      200,
      'bytes',
      1000,
    ]);
  });

  it('serves the admin UI at / with deep links, cached assets, and JSON 404s for the API', async () => {
    const root = await fetch(`${t.baseUrl}/`);
    expect([
      root.status,
      root.headers.get('content-type'),
      root.headers.get('cache-control'),
      root.headers.get('x-frame-options'),
    ]).toEqual([200, 'text/html; charset=utf-8', 'no-cache', 'DENY']);
    const deep = await fetch(`${t.baseUrl}/renders/0b6a3f0e-6b7c-4d7e-9a51-1f0c8f1d2e3a/show`, {
      headers: { accept: 'text/html' },
    });
    expect([deep.status, (await deep.text()).includes('<div id="root">')]).toEqual([200, true]);
    const asset = await fetch(`${t.baseUrl}/assets/index-abc123.js`);
    expect([asset.status, asset.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
    const api = await fetch(`${t.baseUrl}/v1/nothing-here`, { headers: { accept: 'text/html' } });
    expect([api.status, ((await api.json()) as { error: { code: string } }).error.code]).toEqual([
      404,
      'CUTLINE_NOT_FOUND',
    ]);
    const missingAsset = await fetch(`${t.baseUrl}/assets/missing.js`);
    expect(missingAsset.status).toBe(404);
  });
});
