/**
 * Images over the API: uploads of kind image are validated from their bytes (dimensions read,
 * bombs, SVG and non-images refused, nothing kept of them), and the presets image jobs offer —
 * the platforms' and the organization's own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { pngBomb } from '../fixture/image-bomb.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, errorCode, register, startApp, uploadVideo, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;
let owner: Account;

beforeAll(async () => {
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' });
  owner = await register(t.app, 'Photo Studio');
});
afterAll(() => t?.close());

const upload = (body: Buffer, filename: string, type = 'image/jpeg', token = owner.accessToken) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/assets?kind=image&filename=${filename}`,
    headers: { ...bearer(token), 'content-type': type },
    payload: body,
  });

describe('image uploads', () => {
  it('keeps a photo with its upright size, listed as an image', async () => {
    const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3366aa' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const response = await upload(photo, 'phone.jpg');
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ kind: 'image', status: 'ready', width: 480, height: 640 });
    const listed = await t.app.inject({
      method: 'GET',
      url: `/v1/assets?filter=${encodeURIComponent('{"kind":"image"}')}`,
      headers: bearer(owner.accessToken),
    });
    expect(listed.json<Array<{ id: string }>>().map((a) => a.id)).toContain(response.json<{ id: string }>().id);
  });

  it.each([
    ['a text file', Buffer.from('not a picture at all'), 'image/jpeg', 422, 'CUTLINE_IMAGE_NOT_IMAGE'],
    ['a 50,000 × 50,000 PNG bomb', pngBomb(), 'image/png', 413, 'CUTLINE_IMAGE_TOO_LARGE'],
    [
      'an SVG with a script',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      'image/svg+xml',
      422,
      'CUTLINE_IMAGE_FORMAT_NOT_ALLOWED',
    ],
  ])('refuses %s with its code and keeps nothing', async (_label, body, type, status, code) => {
    const response = await upload(body, 'upload.bin', type);
    expect([response.statusCode, errorCode(response)]).toEqual([status, code]);
    const rejected = await t.db.asset.findFirst({
      where: { organizationId: owner.organizationId, status: 'rejected' },
      orderBy: { createdAt: 'desc' },
    });
    expect(rejected?.rejectionCode).toBe(code);
    expect(await t.store.stat(rejected!.objectKey)).toBeUndefined();
  });

  it('takes a HEIC photo as phones save it, read from its header', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-heic-'));
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#aa5533' } })
      .png()
      .toFile(join(dir, 'in.png'));
    const made = spawnSync('heif-enc', ['-q', '70', '-o', join(dir, 'phone.heic'), join(dir, 'in.png')], {
      encoding: 'utf8',
    });
    expect(made.status, made.stderr).toBe(0);
    const response = await upload(await readFile(join(dir, 'phone.heic')), 'IMG_0001.HEIC', 'image/heic');
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ kind: 'image', status: 'ready', width: 640, height: 480 });
  });

  it('an image is no video: a render refuses it', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const image = (await upload(png, 'red.png', 'image/png')).json<{ id: string }>().id;
    const render = await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(owner.accessToken),
      payload: { assetId: image, script: 'Not a video.' },
    });
    expect([render.statusCode, errorCode(render)]).toEqual([404, 'CUTLINE_NOT_FOUND']);
    // And a video is still a video.
    expect(await uploadVideo(t.app, owner.accessToken)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('image presets', () => {
  it('lists the platform presets, then saves, lists and deletes the organization’s own', async () => {
    const list = async (token = owner.accessToken) =>
      (await t.app.inject({ method: 'GET', url: '/v1/images/presets', headers: bearer(token) })).json<
        Array<{ id: string; label: string; width: number; height: number; format: string; custom: boolean }>
      >();
    const platform = await list();
    expect(platform.find((p) => p.id === 'instagram-story')).toMatchObject({
      width: 1080,
      height: 1920,
      custom: false,
    });
    expect(platform.find((p) => p.id === 'youtube-thumbnail')).toMatchObject({ width: 1280, height: 720 });
    expect(platform.filter((p) => !p.custom)).toHaveLength(9);

    const save = (payload: object) =>
      t.app.inject({ method: 'POST', url: '/v1/images/presets', headers: bearer(owner.accessToken), payload });
    const created = await save({ name: 'Shop banner', width: 1920, height: 600, format: 'webp' });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    expect((await list()).find((p) => p.id === id)).toMatchObject({ label: 'Shop banner', custom: true });
    expect(errorCode(await save({ name: 'Shop banner', width: 100, height: 100, format: 'png' }))).toBe(
      'CUTLINE_CONFLICT',
    );
    expect((await save({ name: '<b>x</b>', width: 100, height: 100, format: 'png' })).statusCode).toBe(400);
    expect((await save({ name: 'Huge', width: 100_000, height: 100, format: 'png' })).statusCode).toBe(400);

    const other = await register(t.app, 'Other Studio');
    expect((await list(other.accessToken)).some((p) => p.id === id)).toBe(false);
    const theirs = await t.app.inject({
      method: 'DELETE',
      url: `/v1/images/presets/${id}`,
      headers: bearer(other.accessToken),
    });
    expect(theirs.statusCode).toBe(404);
    const mine = await t.app.inject({
      method: 'DELETE',
      url: `/v1/images/presets/${id}`,
      headers: bearer(owner.accessToken),
    });
    expect(mine.statusCode).toBe(204);
    expect((await list()).some((p) => p.id === id)).toBe(false);
  });
});
