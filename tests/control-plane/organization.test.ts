/**
 * Organization settings (name, address, defaults for new videos) and deleting an organization:
 * a confirmation, renders canceled, every object under its prefixes and every row that names
 * it gone, accounts of no other organization with it, and an anonymous count left behind.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../fixture/ports.js';
import { addMember, bearer, errorCode, register, startApp, uploadVideo, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;

beforeAll(async () => {
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' }, {}, { workers: 1 });
});
afterAll(() => t?.close());

async function call<T>(method: string, url: string, token: string, payload?: object) {
  const response = await t.app.inject({
    method: method as 'GET',
    url,
    headers: bearer(token),
    ...(payload ? { payload } : {}),
  });
  const body = (response.body ? response.json<T>() : undefined) as T;
  const field =
    (body as { error?: { details?: Array<{ field: string }> } } | undefined)?.error?.details?.[0]?.field ?? null;
  return { status: response.statusCode, code: errorCode(response), body, field };
}

/** Every row of every table whose JSON mentions any of the needles. */
async function rowsNaming(needles: string[]): Promise<Record<string, number>> {
  const tables = await t.db.$queryRaw<Array<{ name: string }>>`
    SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`;
  const found: Record<string, number> = {};
  for (const { name } of tables) {
    const conditions = needles.map((_, i) => `row_to_json(t)::text ILIKE $${i + 1}`).join(' OR ');
    const rows = await t.db.$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM "${name}" t WHERE ${conditions}`,
      ...needles.map((n) => `%${n}%`),
    );
    if (rows[0]!.n > 0) found[name] = rows[0]!.n;
  }
  return found;
}

describe('organization settings', () => {
  it('admins rename it, change its address and the defaults; members cannot; a taken address is refused', async () => {
    const owner = await register(t.app, 'Settings Owner');
    const member = await register(t.app, 'Settings Member');
    const memberToken = await addMember(t.app, owner, member);
    const slug = `studio-${Date.now()}`;
    const changed = await call<{ name: string; slug: string; settings: object }>(
      'PATCH',
      '/v1/organization',
      owner.accessToken,
      {
        name: 'Studio North',
        slug,
        settings: { defaultCaptionStyle: 'karaoke', defaultFormats: ['9:16', '1:1'] },
      },
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      name: 'Studio North',
      slug,
      settings: { defaultVoice: null, defaultCaptionStyle: 'karaoke', defaultFormats: ['9:16', '1:1'] },
    });
    const read = await call<{ settings: { defaultCaptionStyle: string } }>('GET', '/v1/organization', memberToken);
    expect(read.body.settings.defaultCaptionStyle).toBe('karaoke');
    expect((await call('PATCH', '/v1/organization', memberToken, { name: 'Mine now' })).status).toBe(403);

    const other = await register(t.app, 'Other Studio');
    const taken = await call('PATCH', '/v1/organization', other.accessToken, { slug });
    expect([taken.status, taken.code, taken.field]).toEqual([409, 'CUTLINE_CONFLICT', 'slug']);
    const voice = await call('PATCH', '/v1/organization', owner.accessToken, {
      settings: { defaultVoice: 'no-such-voice' },
    });
    expect([voice.status, voice.code, voice.field]).toEqual([422, 'CUTLINE_VOICE_UNKNOWN', 'settings.defaultVoice']);
    const badSlug = await call('PATCH', '/v1/organization', owner.accessToken, { slug: 'Has Spaces' });
    expect(badSlug.status).toBe(400);
  });
});

describe('deleting an organization', () => {
  it('needs the owner and the typed address; a wrong one changes nothing', async () => {
    const owner = await register(t.app, 'Careful Owner');
    const admin = await register(t.app, 'Careful Admin');
    const adminToken = await addMember(t.app, owner, admin, 'admin');
    expect((await call('DELETE', '/v1/organization', adminToken, { confirm: 'x' })).status).toBe(403);
    const wrong = await call('DELETE', '/v1/organization', owner.accessToken, { confirm: 'not-the-slug' });
    expect([wrong.status, wrong.field]).toEqual([400, 'confirm']);
    expect(await t.db.organization.findUnique({ where: { id: owner.organizationId } })).not.toBeNull();
  });

  it('cancels a running render and leaves no object and no row that names it', async () => {
    const name = `Doomed Agency ${randomUUID().slice(0, 8)}`;
    const owner = await register(t.app, name);
    await t.db.organization.update({ where: { id: owner.organizationId }, data: { plan: 'pro' } });
    const guest = await register(t.app, 'Guest With Own Org');
    const guestToken = await addMember(t.app, owner, guest);
    const { slug } = (await t.db.organization.findUnique({ where: { id: owner.organizationId } }))!;

    // A bit of everything: uploads in a project, tags, a render running, comments, keys, hooks, invitations.
    const project = await call<{ id: string }>('POST', '/v1/projects', owner.accessToken, { name: 'Client' });
    const assetId = await uploadVideo(t.app, owner.accessToken);
    await call('PATCH', `/v1/assets/${assetId}`, owner.accessToken, { projectId: project.body.id, tags: ['x'] });
    const render = await call<{ id: string }>('POST', '/v1/renders', owner.accessToken, {
      assetId,
      script: 'A long enough narration that the render is still going when the organization is deleted. '.repeat(3),
    });
    await call('POST', `/v1/renders/${render.body.id}/comments`, guestToken, {
      body: 'Nice',
      mentions: [owner.userId],
    });
    await call('POST', '/v1/api-keys', owner.accessToken, { name: 'ci' });
    await call('POST', '/v1/invitations', owner.accessToken, { email: 'later@example.com', role: 'member' });
    const started = await call<{ asset: { id: string } }>('POST', '/v1/assets/uploads', owner.accessToken, {
      kind: 'video',
      filename: 'big.mp4',
      contentType: 'video/mp4',
      sizeBytes: 200 * 1024 * 1024,
    });
    expect(started.status).toBe(201);
    // An output of an earlier render, as the engine leaves them.
    await t.store.put(`orgs/${owner.organizationId}/renders/${randomUUID()}/video-9x16.mp4`, Readable.from('x'), {
      contentType: 'video/mp4',
      maxBytes: 10,
    });
    await waitFor(
      async () => (await t.db.render.findUnique({ where: { id: render.body.id } }))?.state === 'running',
      'the render to run',
      30_000,
    );

    const needles = [owner.organizationId, name, slug, owner.email, owner.userId];
    // The scan sees them before: renders, assets, projects, comments, keys, members, activity, …
    expect(Object.keys(await rowsNaming(needles)).length).toBeGreaterThanOrEqual(10);
    const deleted = await call<{ deleted: boolean; erasedUsers: number }>(
      'DELETE',
      '/v1/organization',
      owner.accessToken,
      { confirm: slug },
    );
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: true, erasedUsers: 1 });

    // The stopped worker writes nothing afterwards.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await t.store.deletePrefix(`orgs/${owner.organizationId}/`)).toBe(0);
    expect(await t.store.deletePrefix(`uploads/${owner.organizationId}/`)).toBe(0);
    expect(await rowsNaming(needles)).toEqual({});
    const today = new Date(new Date().toISOString().slice(0, 10));
    expect((await t.db.organizationDeletion.findUnique({ where: { day: today } }))!.count).toBeGreaterThanOrEqual(1);

    // The owner's session is gone; the guest keeps their own account and organization.
    expect((await call('GET', '/v1/me', owner.accessToken)).status).toBe(401);
    const guestMe = await call<{ organizations: Array<{ id: string }> }>('GET', '/v1/me', guest.accessToken);
    expect(guestMe.status).toBe(200);
    expect(guestMe.body.organizations.map((o) => o.id)).toEqual([guest.organizationId]);
  });
});
