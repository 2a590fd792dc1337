/**
 * The team workspace over the API: projects, the asset library's filters, filing media under
 * projects, and deleting an upload now.
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { waitFor } from '../fixture/ports.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureCorpus } from '../render/corpus.js';
import {
  addMember,
  bearer,
  errorCode,
  register,
  startApp,
  uploadVideo,
  type Account,
  type TestApp,
} from './app-helper.js';

const services = inject('services');
let t: TestApp;
let agency: Account;

beforeAll(async () => {
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' });
  agency = await register(t.app, 'Agency');
  await t.db.organization.update({ where: { id: agency.organizationId }, data: { plan: 'pro' } });
});
afterAll(() => t?.close());

async function call<T = unknown>(method: string, url: string, payload?: unknown, token = agency.accessToken) {
  const response = await t.app.inject({
    method: method as 'GET',
    url,
    headers: bearer(token),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  const body = (response.body ? response.json<T>() : undefined) as T;
  return { status: response.statusCode, body, code: errorCode(response), headers: response.headers };
}

const list = (filter: object, sort?: [string, string]) =>
  `?filter=${encodeURIComponent(JSON.stringify(filter))}${sort ? `&sort=${encodeURIComponent(JSON.stringify(sort))}` : ''}`;

async function uploadInto(projectId: string, filename: string, tags: string) {
  const corpus = await ensureCorpus();
  const response = await t.app.inject({
    method: 'POST',
    url: `/v1/assets?kind=video&filename=${filename}&projectId=${projectId}&tags=${encodeURIComponent(tags)}`,
    headers: { ...bearer(agency.accessToken), 'content-type': 'video/mp4' },
    payload: await readFile(corpus.oneSecond),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; projectId: string; tags: string[]; uploadedById: string }>();
}

describe('projects', () => {
  it('an agency keeps two clients apart: projects, uploads, renders and the filtered library', async () => {
    const acme = await call<{ id: string }>('POST', '/v1/projects', { name: 'Acme launch', description: 'Q1 spots' });
    const globex = await call<{ id: string }>('POST', '/v1/projects', { name: 'Globex' });
    expect([acme.status, globex.status]).toEqual([201, 201]);

    const a1 = await uploadInto(acme.body.id, 'acme-hero.mp4', 'Hero, Summer');
    const a2 = await uploadInto(acme.body.id, 'acme-cutdown.mp4', 'summer');
    const g1 = await uploadInto(globex.body.id, 'globex.mp4', 'hero');
    expect(a1).toMatchObject({ projectId: acme.body.id, tags: ['hero', 'summer'], uploadedById: agency.userId });

    const render = await call<{ id: string; projectId: string }>('POST', '/v1/renders', {
      assetId: a1.id,
      script: 'Acme, now in summer colours.',
      projectId: acme.body.id,
    });
    expect(render.status).toBe(201);
    expect(render.body.projectId).toBe(acme.body.id);
    // An upload of no project that a project's video uses is filed with it; one of another project stays.
    const loose = await uploadVideo(t.app, agency.accessToken);
    await call('POST', '/v1/renders', { assetId: loose, script: 'Loose.', projectId: globex.body.id });
    expect((await t.db.asset.findUnique({ where: { id: loose } }))!.projectId).toBe(globex.body.id);
    await call('POST', '/v1/renders', { assetId: a2.id, script: 'Cross.', projectId: globex.body.id });
    expect((await t.db.asset.findUnique({ where: { id: a2.id } }))!.projectId).toBe(acme.body.id);

    const byProject = await call<Array<{ id: string }>>('GET', `/v1/assets${list({ projectId: acme.body.id })}`);
    expect(byProject.body.map((a) => a.id).sort()).toEqual([a1.id, a2.id].sort());
    const byTag = await call<Array<{ id: string }>>('GET', `/v1/assets${list({ tag: 'hero' })}`);
    expect(byTag.body.map((a) => a.id).sort()).toEqual([a1.id, g1.id].sort());
    const both = await call<Array<{ id: string }>>(
      'GET',
      `/v1/assets${list({ projectId: acme.body.id, tag: 'hero' })}`,
    );
    expect(both.body.map((a) => a.id)).toEqual([a1.id]);
    const searched = await call<Array<{ id: string }>>('GET', `/v1/assets${list({ q: 'CUTDOWN' })}`);
    expect(searched.body.map((a) => a.id)).toEqual([a2.id]);
    const byName = await call<Array<{ filename: string }>>(
      'GET',
      `/v1/assets${list({ projectId: acme.body.id }, ['filename', 'ASC'])}`,
    );
    expect(byName.body.map((a) => a.filename)).toEqual(['acme-cutdown.mp4', 'acme-hero.mp4']);
    const tags = await call<Array<{ tag: string; count: number }>>('GET', '/v1/assets/tags');
    expect(tags.body).toEqual(
      expect.arrayContaining([
        { tag: 'hero', count: 2 },
        { tag: 'summer', count: 2 },
      ]),
    );

    const renders = await call<Array<{ id: string }>>('GET', `/v1/renders${list({ projectId: acme.body.id })}`);
    expect(renders.body.map((r) => r.id)).toEqual([render.body.id]);
    const project = await call<{ counts: object }>('GET', `/v1/projects/${acme.body.id}`);
    expect(project.body.counts).toEqual({ assets: 2, renders: 1, batches: 0 });
    const activity = await call<Array<{ action: string; actorName: string }>>(
      'GET',
      `/v1/activity${list({ projectId: acme.body.id })}`,
    );
    expect(activity.body.map((e) => e.action)).toEqual(
      expect.arrayContaining(['project.created', 'asset.uploaded', 'render.submitted']),
    );
    expect(activity.body.every((e) => e.actorName === 'Agency')).toBe(true);
    // Nothing of Globex's shows up in Acme's activity.
    expect(JSON.stringify(activity.body)).not.toContain(g1.id);
  });

  it('moves media between projects, all or nothing, and takes a render out again', async () => {
    const from = await call<{ id: string }>('POST', '/v1/projects', { name: 'Move from' });
    const to = await call<{ id: string }>('POST', '/v1/projects', { name: 'Move to' });
    const asset = await uploadInto(from.body.id, 'm.mp4', '');
    const render = await call<{ id: string }>('POST', '/v1/renders', { assetId: asset.id, script: 'Moving.' });
    const other = await register(t.app, 'Stranger');
    const foreign = await uploadVideo(t.app, other.accessToken);

    const refused = await call('POST', `/v1/projects/${to.body.id}/items`, { assetIds: [asset.id, foreign] });
    expect([refused.status, refused.code]).toEqual([404, 'CUTLINE_NOT_FOUND']);
    expect((await t.db.asset.findUnique({ where: { id: asset.id } }))!.projectId).toBe(from.body.id);

    const moved = await call<{ moved: number }>('POST', `/v1/projects/${to.body.id}/items`, {
      assetIds: [asset.id],
      renderIds: [render.body.id],
    });
    expect(moved.body).toEqual({ moved: 2 });
    expect((await call<{ counts: object }>('GET', `/v1/projects/${to.body.id}`)).body.counts).toMatchObject({
      assets: 1,
      renders: 1,
    });
    const out = await call<{ projectId: null }>('PATCH', `/v1/renders/${render.body.id}`, { projectId: null });
    expect(out.body.projectId).toBeNull();
  });

  it('archives a project: hidden from the default list, closed to new media, restorable', async () => {
    const p = await call<{ id: string }>('POST', '/v1/projects', { name: 'Old campaign' });
    const archived = await call<{ archived: boolean }>('PATCH', `/v1/projects/${p.body.id}`, { archived: true });
    expect(archived.body.archived).toBe(true);
    const open = await call<Array<{ id: string }>>('GET', '/v1/projects');
    expect(open.body.map((x) => x.id)).not.toContain(p.body.id);
    const all = await call<Array<{ id: string }>>('GET', `/v1/projects${list({ archived: true })}`);
    expect(all.body.map((x) => x.id)).toContain(p.body.id);
    const asset = await uploadVideo(t.app, agency.accessToken);
    const refused = await call('PATCH', `/v1/assets/${asset}`, { projectId: p.body.id });
    expect([refused.status, refused.code]).toEqual([409, 'CUTLINE_CONFLICT']);
    await call('PATCH', `/v1/projects/${p.body.id}`, { archived: false, name: 'Old campaign (2)' });
    const filed = await call<{ projectId: string }>('PATCH', `/v1/assets/${asset}`, { projectId: p.body.id });
    expect(filed.body.projectId).toBe(p.body.id);
  });

  it('refuses a duplicate name, an empty one and a project of another organization', async () => {
    await call('POST', '/v1/projects', { name: 'Unique' });
    const dup = await call<{ error: { details: Array<{ field: string }> } }>('POST', '/v1/projects', {
      name: 'Unique',
    });
    expect([dup.status, dup.code, dup.body.error.details[0]!.field]).toEqual([409, 'CUTLINE_CONFLICT', 'name']);
    expect((await call('POST', '/v1/projects', { name: '   ' })).status).toBe(400);
    const other = await register(t.app, 'Other');
    const theirs = await call<{ id: string }>('POST', '/v1/projects', { name: 'Theirs' }, other.accessToken);
    const asset = await uploadVideo(t.app, agency.accessToken);
    const submitted = await call('POST', '/v1/renders', {
      assetId: asset,
      script: 'Into their project?',
      projectId: theirs.body.id,
    });
    expect([submitted.status, submitted.code]).toEqual([404, 'CUTLINE_NOT_FOUND']);
  });
});

describe('asset library', () => {
  it('deletes an upload now, objects and all, unless a render in progress uses it', async () => {
    const idle = await uploadVideo(t.app, agency.accessToken);
    const record = (await t.db.asset.findUnique({ where: { id: idle } }))!;
    expect(await t.store.stat(record.objectKey)).toBeDefined();
    const deleted = await call('DELETE', `/v1/assets/${idle}`);
    expect(deleted.status).toBe(204);
    expect(await t.store.stat(record.objectKey)).toBeUndefined();
    expect((await call('GET', `/v1/assets/${idle}`)).status).toBe(404);

    const used = await uploadVideo(t.app, agency.accessToken);
    await call('POST', '/v1/renders', { assetId: used, script: 'Still queued.' });
    const refused = await call('DELETE', `/v1/assets/${used}`);
    expect([refused.status, refused.code]).toEqual([409, 'CUTLINE_CONFLICT']);
    const kept = (await t.db.asset.findUnique({ where: { id: used } }))!;
    expect(await t.store.stat(kept.objectKey)).toBeDefined();
  });

  it('tags are plain lower-case labels: markup and too many are refused', async () => {
    const asset = await uploadVideo(t.app, agency.accessToken);
    const ok = await call<{ tags: string[] }>('PATCH', `/v1/assets/${asset}`, { tags: ['Client A', 'client a', 'B'] });
    expect(ok.body.tags).toEqual(['client a', 'b']);
    expect((await call('PATCH', `/v1/assets/${asset}`, { tags: ['<script>'] })).status).toBe(400);
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`);
    expect((await call('PATCH', `/v1/assets/${asset}`, { tags: many })).status).toBe(400);
    expect((await call('GET', `/v1/assets${list({ colour: 'red' })}`)).status).toBe(400);
  });
});

describe('delete after download', () => {
  /** A finished render with two videos and captions stored as the engine leaves them. */
  async function finishedRender(deleteAfterDownload: boolean) {
    const assetId = await uploadVideo(t.app, agency.accessToken);
    const render = await call<{ id: string; deleteAfterDownload: boolean }>('POST', '/v1/renders', {
      assetId,
      script: 'Gone after download.',
      title: 'Ephemeral',
      deleteAfterDownload,
    });
    expect(render.body.deleteAfterDownload).toBe(deleteAfterDownload);
    const prefix = `orgs/${agency.organizationId}/renders/${render.body.id}/`;
    const files = [
      { kind: 'video' as const, name: 'video-9x16.mp4', aspect: '9:16', body: 'nine-sixteen' },
      { kind: 'video' as const, name: 'video-1x1.mp4', aspect: '1:1', body: 'square' },
      { kind: 'vtt' as const, name: 'captions.vtt', aspect: undefined, body: 'WEBVTT' },
    ];
    for (const f of files)
      await t.store.put(prefix + f.name, Readable.from(f.body), {
        contentType: 'application/octet-stream',
        maxBytes: 100,
      });
    await t.db.render.update({ where: { id: render.body.id }, data: { state: 'running' } });
    await t.lifecycle.succeed(
      render.body.id,
      files.map((f) => ({
        kind: f.kind,
        name: f.name,
        aspect: f.aspect,
        objectKey: prefix + f.name,
        bytes: f.body.length,
      })),
      2,
      new Date(),
    );
    return { id: render.body.id, prefix, files };
  }

  const pathOf = (url: string) => new URL(url).pathname;

  it('deletes each video after its first complete download, and the captions with the last one', async () => {
    const { id, prefix } = await finishedRender(true);
    const links = await call<Array<{ name: string; url: string; previewUrl: string }>>(
      'GET',
      `/v1/renders/${id}/outputs`,
    );
    const square = links.body.find((l) => l.name === 'video-1x1.mp4')!;
    const tall = links.body.find((l) => l.name === 'video-9x16.mp4')!;
    expect(pathOf(square.url)).toMatch(/^\/v1\/downloads\//);
    expect(square.previewUrl).not.toBe(square.url);

    const first = await t.app.inject({ method: 'GET', url: pathOf(square.url) });
    expect(first.statusCode).toBe(200);
    expect(first.body).toBe('square');
    expect(first.headers['content-disposition']).toContain('ephemeral-1x1.mp4');
    await waitFor(
      async () => (await t.store.stat(`${prefix}video-1x1.mp4`)) === undefined,
      'the square video to go',
      5_000,
    );
    expect(await t.store.stat(`${prefix}video-9x16.mp4`)).toBeDefined();
    expect(await t.store.stat(`${prefix}captions.vtt`)).toBeDefined();
    const again = await t.app.inject({ method: 'GET', url: pathOf(square.url) });
    expect([again.statusCode, errorCode(again)]).toEqual([410, 'CUTLINE_LINK_USED']);

    expect((await t.app.inject({ method: 'GET', url: pathOf(tall.url) })).body).toBe('nine-sixteen');
    await waitFor(async () => (await t.store.stat(`${prefix}captions.vtt`)) === undefined, 'the captions to go', 5_000);
    expect(await t.store.stat(`${prefix}video-9x16.mp4`)).toBeUndefined();
    const rows = await t.db.renderOutput.findMany({ where: { renderId: id } });
    expect(rows.every((r) => r.deletedAt !== null)).toBe(true);
    expect(
      rows
        .filter((r) => r.downloadedAt !== null)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['video-1x1.mp4', 'video-9x16.mp4']);
  });

  it('keeps the files of other renders, and refuses forged links', async () => {
    const { id, prefix } = await finishedRender(false);
    const links = await call<Array<{ url: string }>>('GET', `/v1/renders/${id}/outputs`);
    expect(links.body[0]!.url).not.toContain('/v1/downloads/');
    expect(await t.store.stat(`${prefix}video-1x1.mp4`)).toBeDefined();

    const kept = await finishedRender(true);
    const [link] = (await call<Array<{ url: string }>>('GET', `/v1/renders/${kept.id}/outputs`)).body;
    const path = pathOf(link!.url);
    const forged = path.slice(0, -3) + (path.endsWith('AAA') ? 'BBB' : 'AAA');
    const refused = await t.app.inject({ method: 'GET', url: forged });
    expect([refused.statusCode, errorCode(refused)]).toEqual([400, 'CUTLINE_LINK_INVALID']);
    expect(await t.store.stat(`${kept.prefix}video-1x1.mp4`)).toBeDefined();
  });

  it('"delete now" removes every file of a render at once', async () => {
    const { id, prefix, files } = await finishedRender(false);
    expect((await call('DELETE', `/v1/renders/${id}/outputs`)).status).toBe(204);
    for (const f of files) expect(await t.store.stat(prefix + f.name)).toBeUndefined();
    expect((await call<unknown[]>('GET', `/v1/renders/${id}/outputs`)).body).toEqual([]);
  });
});

describe('usage history', () => {
  it('counts renders by month across a month boundary and by member, with the savings estimate', async () => {
    const owner = await register(t.app, 'History Owner');
    await t.db.organization.update({ where: { id: owner.organizationId }, data: { plan: 'pro' } });
    // A name a spreadsheet would run: the export must show it as text.
    const editor = await register(t.app, '=HYPERLINK("http://evil.example")');
    const editorToken = await addMember(t.app, owner, editor);
    const boundary = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
    const lastMonth = `${new Date(boundary.getTime() - 1000).toISOString().slice(0, 7)}`;
    const thisMonth = boundary.toISOString().slice(0, 7);
    const finish = async (token: string, at: Date, seconds: number, ok = true) => {
      const assetId = await uploadVideo(t.app, token);
      const { status, body } = await call<{ id: string }>(
        'POST',
        '/v1/renders',
        { assetId, script: 'History.' },
        token,
      );
      expect(status).toBe(201);
      await t.db.render.update({ where: { id: body.id }, data: { state: 'running' } });
      if (ok) await t.lifecycle.succeed(body.id, [], seconds, at);
      else await t.lifecycle.fail(body.id, at, { code: 'CUTLINE_RENDER_FAILED', message: 'boom' });
    };
    await finish(owner.accessToken, new Date(boundary.getTime() - 1000), 30);
    await finish(owner.accessToken, new Date(boundary.getTime() + 1000), 60);
    await finish(editorToken, new Date(boundary.getTime() + 2000), 90);
    await finish(editorToken, new Date(boundary.getTime() + 3000), 0, false);

    const history = await call<{
      months: Array<{ month: string; renders: number; failed: number; renderedSeconds: number; uploadBytes: number }>;
      members: Array<{ name: string; renders: number; renderedSeconds: number }>;
      savings: { videos: number; hoursSaved: number; moneySaved: number; currency: string };
    }>('GET', '/v1/usage/history?months=2', undefined, owner.accessToken);
    expect(history.status).toBe(200);
    expect(
      history.body.months.map(({ month, renders, failed, renderedSeconds }) => ({
        month,
        renders,
        failed,
        renderedSeconds,
      })),
    ).toEqual([
      { month: lastMonth, renders: 1, failed: 0, renderedSeconds: 30 },
      { month: thisMonth, renders: 2, failed: 1, renderedSeconds: 150 },
    ]);
    expect(history.body.months[1]!.uploadBytes).toBeGreaterThan(0);
    expect(history.body.members).toEqual([
      { userId: owner.userId, name: 'History Owner', renders: 2, renderedSeconds: 90 },
      { userId: editor.userId, name: '=HYPERLINK("http://evil.example")', renders: 1, renderedSeconds: 90 },
    ]);
    // Seed 000's assumptions: 2 hours of editing at 50 $ an hour per video.
    expect(history.body.savings).toMatchObject({ videos: 3, hoursSaved: 6, moneySaved: 300, currency: 'USD' });
    const other = await call<{ savings: { moneySaved: number } }>(
      'GET',
      '/v1/usage/history?months=2&minutesPerVideo=30&hourlyRate=80',
      undefined,
      owner.accessToken,
    );
    expect(other.body.savings.moneySaved).toBe(120);

    const csv = await t.app.inject({
      method: 'GET',
      url: '/v1/usage/history.csv?months=2',
      headers: bearer(owner.accessToken),
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('"month","member","videos","failed","rendered_minutes","output_bytes","upload_bytes"');
    expect(lines).toContain(`"${thisMonth}","'=HYPERLINK(""http://evil.example"")",1,,1.5,,`);
    expect(lines.some((l) => /(^|,)"[=+\-@]/.test(l))).toBe(false);

    const activity = await t.app.inject({
      method: 'GET',
      url: '/v1/activity/export.csv',
      headers: bearer(owner.accessToken),
    });
    const rows = activity.body
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(rows[0]).toBe('"time","who","action","subject","subject_id","details"');
    expect(rows.some((r) => r.includes(`"'=HYPERLINK(""http://evil.example"")","render.submitted"`))).toBe(true);
    expect(rows.some((r) => r.includes('"History Owner","asset.uploaded"'))).toBe(true);
    expect(rows.some((r) => /(^|,)"[=+\-@]/.test(r))).toBe(false);
  });
});

describe('trimming', () => {
  it('takes in and out points within the video, from the API and CSV columns, naming the field otherwise', async () => {
    const assetId = await uploadVideo(t.app, agency.accessToken); // one second long
    const field = (r: { body: unknown }) =>
      (r.body as { error?: { details?: Array<{ field: string }> } }).error?.details?.[0]?.field;
    const late = await call('POST', '/v1/renders', { assetId, script: 'Trim.', trim: { start: 5 } });
    expect([late.status, field(late)]).toEqual([400, 'trim.start']);
    const inverted = await call('POST', '/v1/renders', { assetId, script: 'Trim.', trim: { start: 0.6, end: 0.2 } });
    expect([inverted.status, field(inverted)]).toEqual([400, 'trim.end']);
    const beyond = await call('POST', '/v1/renders', { assetId, script: 'Trim.', trim: { start: 0, end: 4 } });
    expect([beyond.status, field(beyond)]).toEqual([400, 'trim.end']);
    const ok = await call<{ id: string }>('POST', '/v1/renders', {
      assetId,
      script: 'Trim.',
      trim: { start: 0.2, end: 0.8 },
    });
    expect(ok.status).toBe(201);
    const spec = (await t.db.render.findUnique({ where: { id: ok.body.id } }))!.spec as { video: { trim: object } };
    expect(spec.video.trim).toEqual({ start: 0.2, end: 0.8 });

    const csv = (rows: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/batches',
        headers: { ...bearer(agency.accessToken), 'content-type': 'text/csv' },
        payload: `script,video,trim_start,trim_end\n${rows}`,
      });
    const accepted = await csv(`First.,${assetId},0:00.2,0.9\nSecond.,${assetId},,0.5\n`);
    expect(accepted.statusCode, accepted.body).toBe(201);
    const refused = await csv(`Bad.,${assetId},soon,\nLate.,${assetId},3,\n`);
    expect(refused.statusCode).toBe(400);
    const fields = refused.json<{ error: { details: Array<{ field: string }> } }>().error.details.map((d) => d.field);
    expect(fields).toEqual(['row 2: trim_start', 'row 3: trim_start']);
  });
});
