/**
 * Image jobs through the job platform: a request of many pictures × many presets becomes a
 * batch of jobs that real local workers run (the render engine's image kind), with progress
 * on the bus, outputs of the exact sizes, one ZIP, and the month's images charged only for
 * what was made.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, errorCode, register, startApp, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;

beforeAll(async () => {
  t = await startApp(
    services.postgresUrl,
    { CUTLINE_AUTH_RATE_LIMIT: '10000' },
    { free: { imagesPerMonth: 5 } },
    { workers: 2 },
  );
});
afterAll(() => t?.close());

async function account(name: string, plan: 'free' | 'pro'): Promise<Account> {
  const created = await register(t.app, name);
  await t.db.organization.update({ where: { id: created.organizationId }, data: { plan } });
  return created;
}

/** A picture with a distinct colour per index, uploaded as an image asset. */
async function uploadPicture(owner: Account, index: number, filename = `Photo ${index}.jpg`): Promise<string> {
  const photo = await sharp({
    create: { width: 1600, height: 1200, channels: 3, background: { r: (index * 37) % 256, g: 90, b: 160 } },
  })
    .jpeg()
    .toBuffer();
  const response = await t.app.inject({
    method: 'POST',
    url: `/v1/assets?kind=image&filename=${encodeURIComponent(filename)}`,
    headers: { ...bearer(owner.accessToken), 'content-type': 'image/jpeg' },
    payload: photo,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

const submit = (owner: Account, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/images/batches', headers: bearer(owner.accessToken), payload });

async function jobsOf(owner: Account, batchId: string) {
  const filter = encodeURIComponent(JSON.stringify({ batchId }));
  const response = await t.app.inject({
    method: 'GET',
    url: `/v1/renders?filter=${filter}&range=[0,99]`,
    headers: bearer(owner.accessToken),
  });
  return response.json<Array<{ id: string; kind: string; state: string; formats: string[]; title: string }>>();
}

async function settled(owner: Account, batchId: string, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await jobsOf(owner, batchId);
    if (jobs.length > 0 && jobs.every((j) => ['succeeded', 'failed', 'canceled'].includes(j.state))) return jobs;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still running: ${jobs.map((j) => j.state).join()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function images(owner: Account) {
  const period = await t.db.usagePeriod.findFirst({ where: { organizationId: owner.organizationId } });
  return { reserved: period?.imagesReserved ?? 0, committed: period?.imagesCommitted ?? 0 };
}

describe('image jobs', () => {
  it('makes 20 pictures × 3 presets through the queue, with progress, exact sizes and one ZIP', async () => {
    const owner = await account('Image Agency', 'pro');
    const assetIds: string[] = [];
    for (let i = 0; i < 20; i++) assetIds.push(await uploadPicture(owner, i));
    const progress = new Map<string, number>();
    const unsubscribe = t.bus.subscribe('cutline.renders.*.progress', (message) => {
      const event = message.data as { renderId: string; progress: number };
      progress.set(event.renderId, Math.max(progress.get(event.renderId) ?? 0, event.progress));
    });
    const response = await submit(owner, {
      assetIds,
      presets: ['instagram-post', 'youtube-thumbnail', 'pinterest-pin'],
      format: 'webp',
    });
    expect(response.statusCode, response.body).toBe(201);
    const { batchId, jobIds, images: count } = response.json<{ batchId: string; jobIds: string[]; images: number }>();
    expect([jobIds.length, count]).toEqual([20, 60]);
    expect(await images(owner)).toEqual({ reserved: 60, committed: 0 });

    const jobs = await settled(owner, batchId);
    unsubscribe();
    expect(jobs.map((j) => j.state)).toEqual(Array(20).fill('succeeded'));
    expect(jobs.every((j) => j.kind === 'image')).toBe(true);
    expect(jobs[0]!.formats).toEqual(['instagram-post', 'youtube-thumbnail', 'pinterest-pin']);
    // Every job reported progress on the bus before it finished.
    expect(jobIds.filter((id) => (progress.get(id) ?? 0) > 0)).toHaveLength(20);
    expect(await images(owner)).toEqual({ reserved: 0, committed: 60 });
    const usage = await t.app.inject({ method: 'GET', url: '/v1/usage', headers: bearer(owner.accessToken) });
    expect(usage.json<{ images: unknown; renders: { used: number } }>()).toMatchObject({
      images: { limit: 5_000, used: 60, committed: 60, remaining: 4_940 },
      renders: { used: 0 },
    });

    const outputs = await t.db.renderOutput.findMany({ where: { render: { batchId } }, orderBy: { name: 'asc' } });
    expect(outputs).toHaveLength(60);
    const sizes = Object.fromEntries(
      outputs.filter((o) => o.renderId === jobIds[0]).map((o) => [o.name, [o.width, o.height]]),
    );
    expect(sizes).toEqual({
      'photo-0-instagram-post.webp': [1080, 1080],
      'photo-0-pinterest-pin.webp': [1000, 1500],
      'photo-0-youtube-thumbnail.webp': [1280, 720],
    });
    const first = outputs.find((o) => o.name === 'photo-0-pinterest-pin.webp')!;
    const chunks: Buffer[] = [];
    for await (const chunk of await t.store.get(first.objectKey)) chunks.push(chunk as Buffer);
    const meta = await sharp(Buffer.concat(chunks)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 1000, 1500]);

    const zip = await fetch(`${t.baseUrl}/v1/batches/${batchId}/zip`, { headers: bearer(owner.accessToken) });
    expect(zip.status).toBe(200);
    const file = join(await mkdtemp(join(tmpdir(), 'cutline-image-zip-')), 'images.zip');
    await writeFile(file, Buffer.from(await zip.arrayBuffer()));
    const entries = execFileSync(
      'python3',
      [
        '-c',
        'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(f"{i.filename} {i.file_size}" for i in z.infolist()))',
        file,
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    expect(entries).toHaveLength(60);
    expect(entries[0]).toMatch(/^001-Photo-0-jpg-photo-0-instagram-post\.webp \d+$/);
    const byName = new Map(outputs.map((o) => [o.name, Number(o.bytes)]));
    for (const entry of entries) {
      const [name, size] = entry.split(' ');
      const output = name!.replace(/^\d{3}-Photo-\d+-jpg-/, '');
      expect(byName.get(output), name).toBe(Number(size));
    }
  }, 240_000);

  it('takes the pictures of a project, and the organization’s own preset', async () => {
    const owner = await account('Project Images', 'pro');
    const project = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/projects',
        headers: bearer(owner.accessToken),
        payload: { name: 'Spring' },
      })
    ).json<{ id: string }>().id;
    const inProject: string[] = [];
    for (let i = 0; i < 2; i++) {
      const id = await uploadPicture(owner, i);
      inProject.push(id);
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/assets/${id}`,
        headers: bearer(owner.accessToken),
        payload: { projectId: project },
      });
    }
    await uploadPicture(owner, 9); // not in the project
    const preset = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/images/presets',
        headers: bearer(owner.accessToken),
        payload: { name: 'Shop banner', width: 1200, height: 400, format: 'png' },
      })
    ).json<{ id: string }>().id;
    const logo = await uploadPicture(owner, 7, 'brand.png');
    const response = await submit(owner, {
      fromProjectId: project,
      presets: [preset],
      projectId: project,
      text: { content: 'Spring <sale>', style: 'pill' },
      crops: { [inProject[0]!]: { left: 800, top: 600, width: 800, height: 600 } },
      logo: { assetId: logo, position: 'top-left' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const { batchId } = response.json<{ batchId: string }>();
    const jobs = await settled(owner, batchId);
    expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
    const outputs = await t.db.renderOutput.findMany({ where: { render: { batchId } } });
    expect(outputs.map((o) => [o.name.replace(/^photo-\d-/, ''), o.width, o.height]).sort()).toEqual([
      [`custom-shop-banner-${preset.slice(0, 6)}.png`, 1200, 400],
      [`custom-shop-banner-${preset.slice(0, 6)}.png`, 1200, 400],
    ]);
    const filed = await t.db.render.findMany({
      where: { batchId },
      select: { projectId: true, spec: true, assetId: true },
    });
    // The first picture is cut to its bottom-right quarter first; the other is whole.
    expect(
      filed
        .map((r) => [r.assetId === inProject[0], (r.spec as { edits?: { cropBox?: unknown } }).edits?.cropBox ?? null])
        .sort(),
    ).toEqual([
      [false, null],
      [true, { left: 800, top: 600, width: 800, height: 600 }],
    ]);
    expect(filed.every((r) => r.projectId === project)).toBe(true);
    // Both pictures carry the text and the logo, read from the logo's own object.
    for (const { spec } of filed as Array<{ spec: unknown }>)
      expect((spec as { overlay: unknown }).overlay).toEqual({
        text: { content: 'Spring <sale>', style: 'pill' },
        logo: { source: t.store.locationFor(`orgs/${owner.organizationId}/assets/${logo}`), position: 'top-left' },
      });
  }, 120_000);

  it('refuses what it cannot make, each with its field, and records nothing', async () => {
    const owner = await account('Careful Images', 'free');
    const other = await account('Other Studio', 'free');
    const mine = await uploadPicture(owner, 1);
    const theirs = await uploadPicture(other, 2);
    const logo = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/assets?kind=logo&filename=logo.png',
        headers: { ...bearer(owner.accessToken), 'content-type': 'image/png' },
        payload: await sharp({ create: { width: 64, height: 64, channels: 4, background: '#00000000' } })
          .png()
          .toBuffer(),
      })
    ).json<{ id: string }>().id;
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [
        { assetIds: [mine], presets: ['instagram-post', 'myspace-banner'] },
        400,
        'CUTLINE_VALIDATION_FAILED',
        'presets[1]',
      ],
      [{ assetIds: [mine, theirs], presets: ['x-post'] }, 404, 'CUTLINE_NOT_FOUND', 'assetIds[1]'],
      [{ assetIds: [logo], presets: ['x-post'] }, 404, 'CUTLINE_NOT_FOUND', 'assetIds[0]'],
      [{ presets: ['x-post'] }, 400, 'CUTLINE_VALIDATION_FAILED', 'assetIds'],
      [
        { assetIds: [mine], presets: ['x-post'], crops: { [mine]: { left: 1000, top: 0, width: 800, height: 100 } } },
        400,
        'CUTLINE_VALIDATION_FAILED',
        `crops.${mine}`,
      ],
      [
        { assetIds: [mine], presets: ['x-post'], crops: { [theirs]: { left: 0, top: 0, width: 10, height: 10 } } },
        400,
        'CUTLINE_VALIDATION_FAILED',
        `crops.${theirs}`,
      ],
      [{ assetIds: [mine], presets: ['x-post'], logo: { assetId: theirs } }, 404, 'CUTLINE_NOT_FOUND', 'logo.assetId'],
      // Free has 5 images a month here: 2 pictures × 3 sizes is 6.
      [
        { assetIds: [mine, await uploadPicture(owner, 3)], presets: ['x-post', 'linkedin-post', 'facebook-cover'] },
        402,
        'CUTLINE_QUOTA_EXCEEDED',
        '',
      ],
    ];
    for (const [payload, status, code, field] of cases) {
      const response = await submit(owner, payload);
      expect([response.statusCode, errorCode(response)], response.body).toEqual([status, code]);
      if (field)
        expect(
          response.json<{ error: { details: Array<{ field: string }> } }>().error.details.map((d) => d.field),
        ).toContain(field);
    }
    const many = [];
    for (let i = 0; i < 6; i++) many.push(await uploadPicture(owner, 10 + i));
    const tooMany = await submit(owner, { assetIds: many, presets: ['x-post'] });
    expect([tooMany.statusCode, errorCode(tooMany)]).toEqual([403, 'CUTLINE_PLAN_LIMIT']);
    expect(await t.db.batch.count({ where: { organizationId: owner.organizationId } })).toBe(0);
    expect(await t.db.render.count({ where: { organizationId: owner.organizationId } })).toBe(0);
    expect(await images(owner)).toEqual({ reserved: 0, committed: 0 });
  }, 60_000);

  it('a job that fails gives its images back', async () => {
    const owner = await account('Lost Picture', 'pro');
    const id = await uploadPicture(owner, 4);
    // The picture's object vanishes after the upload: the job cannot read it.
    const asset = await t.db.asset.findUniqueOrThrow({ where: { id } });
    await t.store.delete(asset.objectKey);
    const response = await submit(owner, { assetIds: [id], presets: ['x-post', 'instagram-story'] });
    expect(response.statusCode, response.body).toBe(201);
    const jobs = await settled(owner, response.json<{ batchId: string }>().batchId);
    expect(jobs.map((j) => j.state)).toEqual(['failed']);
    expect(await images(owner)).toEqual({ reserved: 0, committed: 0 });
    expect(await t.db.renderOutput.count({ where: { renderId: jobs[0]!.id } })).toBe(0);
  }, 120_000);
});
