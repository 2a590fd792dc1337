/** Uploads and render submissions through the API: probing, plan limits, quota, idempotency, isolation. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../control-plane/src/db/client.js';
import { SubmissionsRepository } from '../../control-plane/src/repositories/submissions-repository.js';
import { ensureCorpus, type CorpusName } from '../render/corpus.js';
import { bearer, errorCode, register, startApp, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;
let corpus: Record<CorpusName, string>;

async function upload(
  account: Account,
  file: string,
  query = 'kind=video&filename=clip.mp4',
  contentType = 'video/mp4',
) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/assets?${query}`,
    headers: { ...bearer(account.accessToken), 'content-type': contentType },
    payload: await readFile(file),
  });
}

async function readyVideo(account: Account): Promise<string> {
  const response = await upload(account, corpus.oneSecond);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

function submit(account: Account, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/renders',
    headers: { ...bearer(account.accessToken), ...headers },
    payload: body,
  });
}

beforeAll(async () => {
  corpus = await ensureCorpus();
  // Pro plan limits for everyone, but a quota of 3 renders and small uploads, so the edges are reachable.
  t = await startApp(
    services.postgresUrl,
    { CUTLINE_AUTH_RATE_LIMIT: '10000' },
    { free: { rendersPerMonth: 3, maxUploadBytes: 8 * 1024 * 1024 } },
  );
});
afterAll(() => t?.close());

describe('uploads', () => {
  it('stores a decodable video with its probed metadata', async () => {
    const account = await register(t.app, 'Up');
    const response = await upload(account, corpus.hevcPortrait, 'kind=video&filename=Holiday%20clip.mp4');
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      kind: 'video',
      status: 'ready',
      filename: 'Holiday clip.mp4',
      width: 720,
      height: 1280,
      videoCodec: 'hevc',
      audioCodec: 'aac',
    });
    expect(response.json<{ durationSeconds: number }>().durationSeconds).toBeCloseTo(3, 0);
    const asset = await t.db.asset.findUnique({ where: { id: response.json<{ id: string }>().id } });
    expect(asset!.sizeBytes).toBeGreaterThan(0n);
    expect((await t.store.stat(asset!.objectKey))?.bytes).toBe(Number(asset!.sizeBytes));
  });

  it.each([
    ['textAsMp4', 'CUTLINE_INPUT_NOT_VIDEO', 422],
    ['wavAsMp4', 'CUTLINE_INPUT_NO_VIDEO_STREAM', 422],
    ['truncatedNoIndex', 'CUTLINE_INPUT_CORRUPT', 422],
    ['zeroBytes', 'CUTLINE_INPUT_EMPTY', 422],
    ['uhd4k', 'CUTLINE_INPUT_TOO_LARGE', 413],
  ] as const)('rejects %s with %s and keeps no object', async (name, code, status) => {
    const account = await register(t.app, 'Bad');
    const response = await upload(account, corpus[name]);
    expect([response.statusCode, errorCode(response)]).toEqual([status, code]);
    const asset = await t.db.asset.findFirst({ where: { organizationId: account.organizationId } });
    expect(asset).toMatchObject({ status: 'rejected', rejectionCode: code });
    expect(await t.store.stat(asset!.objectKey)).toBeUndefined();
  });

  it('validates the query', async () => {
    const account = await register(t.app, 'Q');
    const response = await upload(account, corpus.oneSecond, 'kind=spreadsheet&filename=x.mp4');
    expect([response.statusCode, errorCode(response)]).toEqual([400, 'CUTLINE_VALIDATION_FAILED']);
  });
});

describe('render submission', () => {
  it('queues a render with a spec that follows the plan, an outbox event and an activity entry', async () => {
    const account = await register(t.app, 'Sub');
    const assetId = await readyVideo(account);
    const response = await submit(account, {
      assetId,
      script: 'Hello from the API. This is a test.',
      formats: ['9:16', '16:9'],
      captionStyle: 'pill',
      title: 'First',
    });
    expect(response.statusCode, response.body).toBe(201);
    const render = response.json<{ id: string; state: string; tier: string; formats: string[] }>();
    expect(render).toMatchObject({
      state: 'queued',
      tier: 'free',
      formats: ['9:16', '16:9'],
      // No voice named: the render picks the one for the script's language.
      voice: 'auto',
      title: 'First',
    });
    // The answer is built from what was submitted, not read back: it must be the render as stored.
    const stored = await t.app.inject({
      method: 'GET',
      url: `/v1/renders/${render.id}`,
      headers: bearer(account.accessToken),
    });
    expect(stored.json()).toEqual(render);
    const row = await t.db.render.findUnique({ where: { id: render.id } });
    const spec = row!.spec as {
      maxResolution: number;
      watermark?: { text: string };
      video: { source: string };
      output: { destination: string };
      captions: { style: string };
    };
    expect(spec.maxResolution).toBe(720);
    expect(spec.watermark?.text).toBe('Made with Cutline');
    expect(spec.captions.style).toBe('pill');
    expect(existsSync(spec.video.source)).toBe(true);
    expect(spec.output.destination).toContain(`orgs/${account.organizationId}/renders/${render.id}/`);
    expect(await t.db.outboxEvent.count({ where: { subject: `cutline.renders.${render.id}.state` } })).toBe(1);
    expect(
      await t.db.activity.count({ where: { organizationId: account.organizationId, action: 'render.submitted' } }),
    ).toBe(1);
  });

  it('admits exactly the quota when 50 submissions race for 3 renders', async () => {
    const account = await register(t.app, 'Race');
    const assetId = await readyVideo(account);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => submit(account, { assetId, script: `Render number ${i}.` })),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 402)).toHaveLength(47);
    expect(new Set(responses.filter((r) => r.statusCode === 402).map(errorCode))).toEqual(
      new Set(['CUTLINE_QUOTA_EXCEEDED']),
    );
    expect(await t.db.render.count({ where: { organizationId: account.organizationId } })).toBe(3);
    const period = await t.db.usagePeriod.findFirst({ where: { organizationId: account.organizationId } });
    expect(period).toMatchObject({ rendersReserved: 3, rendersCommitted: 0, rendersLimit: 3 });
  });

  it('refuses a render whose assets cannot be used, naming the field, and charges nothing — also inside a burst with valid ones', async () => {
    const account = await register(t.app, 'Assets');
    const stranger = await register(t.app, 'Stranger');
    const assetId = await readyVideo(account);
    const foreignId = await readyVideo(stranger);
    const started = await t.app.inject({
      method: 'POST',
      url: '/v1/assets/uploads',
      headers: bearer(account.accessToken),
      payload: { kind: 'video', filename: 'later.mp4', contentType: 'video/mp4', sizeBytes: 1000 },
    });
    const uploadingId = started.json<{ asset: { id: string } }>().asset.id;
    const cases = [
      { body: { assetId: foreignId, script: 'Not mine.' }, status: 404, code: 'CUTLINE_NOT_FOUND', field: 'assetId' },
      { body: { assetId: randomUUID(), script: 'Nowhere.' }, status: 404, code: 'CUTLINE_NOT_FOUND', field: 'assetId' },
      {
        body: { assetId: uploadingId, script: 'Too early.' },
        status: 409,
        code: 'CUTLINE_ASSET_NOT_READY',
        field: 'assetId',
      },
      {
        body: { assetId, script: 'A video is no logo.', logo: { assetId } },
        status: 404,
        code: 'CUTLINE_NOT_FOUND',
        field: 'logo.assetId',
      },
      {
        body: { assetId, script: 'No such music.', audio: { musicAssetId: randomUUID() } },
        status: 404,
        code: 'CUTLINE_NOT_FOUND',
        field: 'audio.musicAssetId',
      },
    ];
    const valid = { assetId, script: 'This one is fine.' };
    // The stranger's own submission of its video shares the statement and is admitted.
    const [strangers, ...responses] = await Promise.all([
      submit(stranger, { assetId: foreignId, script: 'Mine.' }),
      submit(account, valid),
      ...cases.map((c) => submit(account, c.body)),
      submit(account, valid),
    ]);
    expect(strangers!.statusCode).toBe(201);
    expect([responses[0]!.statusCode, responses.at(-1)!.statusCode]).toEqual([201, 201]);
    cases.forEach((c, i) => {
      const response = responses[i + 1]!;
      expect([response.statusCode, errorCode(response)], response.body).toEqual([c.status, c.code]);
      expect(response.json<{ error: { details: Array<{ field: string }> } }>().error.details[0]!.field).toBe(c.field);
    });
    const period = await t.db.usagePeriod.findFirst({ where: { organizationId: account.organizationId } });
    expect(period!.rendersReserved).toBe(2);
    expect(await t.db.render.count({ where: { organizationId: account.organizationId } })).toBe(2);
    expect(await t.db.render.count({ where: { organizationId: stranger.organizationId } })).toBe(1);
  });

  it('statements from several API replicas racing on new periods of several organizations never overshoot, and admit each statement’s first submissions', async () => {
    const first = await register(t.app, 'Replicas');
    const second = await register(t.app, 'Replicas too');
    const third = await register(t.app, 'Replicas three');
    // The third organization's limit is exactly what it asks for: a statement that lost the race
    // to insert the period's row must run its items again, not refuse them.
    const accounts = [
      { account: first, assetId: await readyVideo(first), limit: 10 },
      { account: second, assetId: await readyVideo(second), limit: 4 },
      { account: third, assetId: await readyVideo(third), limit: 24 },
    ];
    const otherReplica = createDatabase(t.databaseUrl, 5);
    try {
      const replicas = [new SubmissionsRepository(t.db), new SubmissionsRepository(otherReplica)];
      const period = { start: new Date('2031-01-01T00:00:00Z'), end: new Date('2031-02-01T00:00:00Z') };
      const item = ({ account, assetId, limit }: (typeof accounts)[number]) => ({
        id: randomUUID(),
        group: { organizationId: account.organizationId, period, rendersLimit: limit, overage: false },
        assets: { video: assetId, logo: null, music: null },
        createdById: account.userId,
        apiKeyId: null,
        title: null,
        projectId: null,
        deleteAfterDownload: false,
        tier: 'free' as const,
        priority: 0,
        spec: { v: 1 },
        idempotencyKey: null,
        idempotencyFingerprint: null,
        activityData: {},
      });
      // Each statement carries two submissions of each organization, interleaved.
      const statements = Array.from({ length: 12 }, () => [...accounts, ...accounts].map(item));
      // Open every connection first, so the statements start together rather than one per new connection.
      await Promise.all(
        [t.db, otherReplica].flatMap((db) =>
          Array.from({ length: 5 }, () => db.$queryRaw`SELECT 1 AS opened FROM pg_sleep(0.05)`),
        ),
      );
      const results = await Promise.all(statements.map((items, i) => replicas[i % 2]!.submitMany(items)));
      for (const [index, { account, limit }] of accounts.entries()) {
        const own = results.map((result) => result.filter((_, i) => i % accounts.length === index));
        const queued = own.flat().flatMap((r) => (r.outcome === 'queued' ? [r] : []));
        expect(queued).toHaveLength(limit);
        expect(
          own
            .flat()
            .filter((r) => r.outcome !== 'queued')
            .every((r) => r.outcome === 'quota-exceeded'),
        ).toBe(true);
        // Within each statement an organization's admitted submissions come first.
        for (const result of own)
          expect(result.map((r) => r.outcome).join(' ')).toMatch(/^(queued ?)*(quota-exceeded ?)*$/);
        expect(queued.map((r) => r.periodUsed).sort((a, b) => a - b)).toEqual(
          Array.from({ length: limit }, (_, i) => i + 1),
        );
        const usage = await t.db.usagePeriod.findFirst({
          where: { organizationId: account.organizationId, periodStart: period.start },
        });
        expect(usage).toMatchObject({ rendersReserved: limit, rendersLimit: limit });
        const ids = queued.map((r) => r.render.id);
        expect(queued.every((r) => r.render.organizationId === account.organizationId)).toBe(true);
        expect(
          await t.db.render.count({
            where: {
              id: { in: ids },
              organizationId: account.organizationId,
              usagePeriodId: usage!.id,
              state: 'queued',
            },
          }),
        ).toBe(limit);
        expect(
          await t.db.outboxEvent.count({ where: { subject: { in: ids.map((id) => `cutline.renders.${id}.state`) } } }),
        ).toBe(limit);
        expect(
          await t.db.activity.count({
            where: { organizationId: account.organizationId, action: 'render.submitted', subjectId: { in: ids } },
          }),
        ).toBe(limit);
      }
    } finally {
      await otherReplica.$disconnect();
    }
  });

  it('returns the first render for a repeated Idempotency-Key, even concurrently, and charges once', async () => {
    const account = await register(t.app, 'Idem');
    const assetId = await readyVideo(account);
    const body = { assetId, script: 'Only once, please.' };
    const first = await submit(account, body, { 'idempotency-key': 'order-42' });
    const again = await submit(account, body, { 'idempotency-key': 'order-42' });
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    expect(again.json()).toEqual(first.json());
    const burst = await Promise.all(
      Array.from({ length: 5 }, () => submit(account, body, { 'idempotency-key': 'order-43' })),
    );
    expect(new Set(burst.map((r) => r.json<{ id: string }>().id)).size).toBe(1);
    expect(burst.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const period = await t.db.usagePeriod.findFirst({ where: { organizationId: account.organizationId } });
    expect(period!.rendersReserved).toBe(2);
  });

  it('cancels a queued render, refunds its quota, and refuses a second cancel', async () => {
    const account = await register(t.app, 'Cancel');
    const assetId = await readyVideo(account);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await submit(account, { assetId, script: `Number ${i}.` })).json<{ id: string }>().id);
    expect(errorCode(await submit(account, { assetId, script: 'One too many.' }))).toBe('CUTLINE_QUOTA_EXCEEDED');
    const canceled = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${ids[0]}/cancel`,
      headers: bearer(account.accessToken),
    });
    expect(canceled.json()).toMatchObject({ state: 'canceled', error: { code: 'CUTLINE_CANCELED' } });
    expect((await submit(account, { assetId, script: 'Now there is room.' })).statusCode).toBe(201);
    const twice = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${ids[0]}/cancel`,
      headers: bearer(account.accessToken),
    });
    expect([twice.statusCode, errorCode(twice)]).toEqual([409, 'CUTLINE_NOT_CANCELABLE']);
    expect(await t.db.outboxEvent.count({ where: { subject: `cutline.renders.${ids[0]}.state` } })).toBe(2);

    // Retry needs quota again: all 3 are taken, so it is refused; cancel another and it goes through.
    const refused = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${ids[0]}/retry`,
      headers: bearer(account.accessToken),
    });
    expect([refused.statusCode, errorCode(refused)]).toEqual([402, 'CUTLINE_QUOTA_EXCEEDED']);
    await t.app.inject({ method: 'POST', url: `/v1/renders/${ids[1]}/cancel`, headers: bearer(account.accessToken) });
    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${ids[0]}/retry`,
      headers: bearer(account.accessToken),
    });
    expect(retried.json()).toMatchObject({ state: 'queued', error: null });
    const notRetryable = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${ids[0]}/retry`,
      headers: bearer(account.accessToken),
    });
    expect([notRetryable.statusCode, errorCode(notRetryable)]).toEqual([409, 'CUTLINE_NOT_RETRYABLE']);
    expect(
      (await t.db.usagePeriod.findFirst({ where: { organizationId: account.organizationId } }))!.rendersReserved,
    ).toBe(3);
  });

  it.each([
    [{ script: 'Hi.', voice: 'espeak:klingon' }, 422, 'CUTLINE_VOICE_UNKNOWN'],
    [{ script: 'Bell \u0007 here.' }, 422, 'CUTLINE_SCRIPT_CONTROL_CHARS'],
    [{ script: '   ' }, 422, 'CUTLINE_SCRIPT_EMPTY'],
    [{ script: 'word '.repeat(200) }, 403, 'CUTLINE_PLAN_LIMIT'],
    [{ script: 'Hi.', formats: ['4:3'] }, 400, 'CUTLINE_VALIDATION_FAILED'],
    [{ script: 'Hi.', extra: 1 }, 400, 'CUTLINE_VALIDATION_FAILED'],
    [{ script: 'Hi.', assetId: '00000000-0000-4000-8000-000000000000' }, 404, 'CUTLINE_NOT_FOUND'],
  ])('refuses %j with %i %s, charging nothing', async (patch, status, code) => {
    const account = await register(t.app, 'Refuse');
    const assetId = await readyVideo(account);
    const response = await submit(account, { assetId, ...patch });
    expect([response.statusCode, errorCode(response)]).toEqual([status, code]);
    expect(await t.db.render.count({ where: { organizationId: account.organizationId } })).toBe(0);
    const period = await t.db.usagePeriod.findFirst({ where: { organizationId: account.organizationId } });
    expect(period?.rendersReserved ?? 0).toBe(0);
  });

  it('lists with react-admin simple-rest sorting, ranges, filters and Content-Range', async () => {
    const account = await register(t.app, 'List');
    const assetId = await readyVideo(account);
    for (const title of ['alpha', 'beta', 'gamma']) await submit(account, { assetId, script: `${title}.`, title });
    const page = await t.app.inject({
      method: 'GET',
      url: `/v1/renders?sort=${encodeURIComponent('["title","ASC"]')}&range=${encodeURIComponent('[0,1]')}`,
      headers: bearer(account.accessToken),
    });
    expect(page.headers['content-range']).toBe('renders 0-1/3');
    expect(page.json<Array<{ title: string }>>().map((r) => r.title)).toEqual(['alpha', 'beta']);
    const filtered = await t.app.inject({
      method: 'GET',
      url: `/v1/renders?filter=${encodeURIComponent('{"q":"gam","state":"queued"}')}`,
      headers: bearer(account.accessToken),
    });
    expect(filtered.json<Array<{ title: string }>>().map((r) => r.title)).toEqual(['gamma']);
    for (const bad of [
      'sort=%5B%22password%22%2C%22ASC%22%5D',
      'range=%5B5%2C1%5D',
      'filter=%7Bbroken',
      `filter=${encodeURIComponent('{"state":"exploded"}')}`,
    ]) {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/renders?${bad}`,
        headers: bearer(account.accessToken),
      });
      expect([response.statusCode, errorCode(response)]).toEqual([400, 'CUTLINE_VALIDATION_FAILED']);
    }
  });
});

describe('tenant isolation of assets and renders', () => {
  it('answers another organization’s assets and renders with 404', async () => {
    const a = await register(t.app, 'OrgA');
    const b = await register(t.app, 'OrgB');
    const assetId = await readyVideo(a);
    const renderId = (await submit(a, { assetId, script: 'Private.' })).json<{ id: string }>().id;
    const asB = bearer(b.accessToken);
    for (const [method, url] of [
      ['GET', `/v1/assets/${assetId}`],
      ['GET', `/v1/renders/${renderId}`],
      ['POST', `/v1/renders/${renderId}/cancel`],
    ] as const) {
      const response = await t.app.inject({ method, url, headers: asB });
      expect([url, response.statusCode]).toEqual([url, 404]);
    }
    expect((await submit(b, { assetId, script: 'Using A’s video.' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/v1/renders', headers: asB })).json()).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/v1/assets', headers: asB })).json()).toEqual([]);
    expect((await t.db.render.findUnique({ where: { id: renderId } }))!.state).toBe('queued');
  });

  it('API keys need the matching scope', async () => {
    const a = await register(t.app, 'Scopes');
    const key = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(a.accessToken),
        payload: { name: 'read only', scopes: ['renders:read'] },
      })
    ).json<{ key: string }>().key;
    expect((await t.app.inject({ method: 'GET', url: '/v1/renders', headers: bearer(key) })).statusCode).toBe(200);
    const write = await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(key),
      payload: { assetId: '00000000-0000-4000-8000-000000000000', script: 'x' },
    });
    expect([write.statusCode, errorCode(write)]).toEqual([403, 'CUTLINE_FORBIDDEN']);
  });
});

describe('catalogue', () => {
  it('lists voices (filterable) and caption styles', async () => {
    const a = await register(t.app, 'Cat');
    const voices = await t.app.inject({ method: 'GET', url: '/v1/voices?language=fr', headers: bearer(a.accessToken) });
    expect(voices.json<Array<{ id: string }>>().map((v) => v.id)).toContain('espeak:fr-fr');
    const styles = await t.app.inject({ method: 'GET', url: '/v1/caption-styles', headers: bearer(a.accessToken) });
    expect(styles.json<Array<{ id: string }>>().map((s) => s.id)).toEqual([
      'clean',
      'bold-outline',
      'pill',
      'karaoke',
      'pop-in',
    ]);
  });
});

describe('batches from CSV', () => {
  function postCsv(account: Account, csv: string | Buffer) {
    return t.app.inject({
      method: 'POST',
      url: '/v1/batches?name=Spring%20campaign',
      headers: { ...bearer(account.accessToken), 'content-type': 'text/csv' },
      payload: csv,
    });
  }

  async function proAccount(name: string): Promise<Account> {
    const account = await register(t.app, name);
    await t.db.organization.update({ where: { id: account.organizationId }, data: { plan: 'pro' } });
    return account;
  }

  it('is not part of the free plan', async () => {
    const account = await register(t.app, 'FreeBatch');
    const response = await postCsv(account, 'script,video\nHi,00000000-0000-4000-8000-000000000000\n');
    expect([response.statusCode, errorCode(response)]).toEqual([403, 'CUTLINE_PLAN_LIMIT']);
  });

  it('creates one render per row, all in one batch', async () => {
    const account = await proAccount('Batch');
    const video = await readyVideo(account);
    const csv = `title,script,video,voice,style,formats,fit\r\nOne,"First video, with a comma.",${video},espeak:en-us,karaoke,9:16,crop\r\nTwo,"Second ""quoted"" video.",${video},espeak:fr,pill,9:16 16:9,letterbox\r\nThree,Third video.,${video},,,,\r\n`;
    const response = await postCsv(account, csv);
    expect(response.statusCode, response.body).toBe(201);
    const { batchId, renderIds } = response.json<{ batchId: string; renderIds: string[] }>();
    expect(renderIds).toHaveLength(3);
    const listed = await t.app.inject({
      method: 'GET',
      url: `/v1/renders?sort=${encodeURIComponent('["title","ASC"]')}&filter=${encodeURIComponent(JSON.stringify({ batchId }))}`,
      headers: bearer(account.accessToken),
    });
    expect(
      listed
        .json<Array<{ title: string; formats: string[]; voice: string }>>()
        .map((r) => [r.title, r.formats, r.voice]),
    ).toEqual([
      ['One', ['9:16'], 'espeak:en-us'],
      // No voice named: the render picks the one for the script's language.
      ['Three', ['9:16'], 'auto'],
      ['Two', ['9:16', '16:9'], 'espeak:fr'],
    ]);
    const fits = await t.db.render.findMany({ where: { batchId }, orderBy: { title: 'asc' }, select: { spec: true } });
    // An empty fit cell leaves the render's default: the crop that follows the subject.
    expect(fits.map((r) => (r.spec as { fit: string }).fit)).toEqual(['crop', 'smart', 'letterbox']);
    expect(
      (await t.db.usagePeriod.findFirst({ where: { organizationId: account.organizationId } }))!.rendersReserved,
    ).toBe(3);
  });

  it('refuses the whole file when any row is bad, listing every problem by row', async () => {
    const account = await proAccount('BatchBad');
    const video = await readyVideo(account);
    const csv = [
      'script,video,voice,title',
      `Good row.,${video},,Fine`,
      `Bad voice.,${video},espeak:klingon,Voice`,
      `=HYPERLINK("http://evil.example","click"),${video},,Formula`,
      'Missing video.,00000000-0000-4000-8000-000000000000,,Ghost',
      `,${video},,Empty`,
    ].join('\n');
    const response = await postCsv(account, csv);
    expect([response.statusCode, errorCode(response)]).toEqual([400, 'CUTLINE_VALIDATION_FAILED']);
    const fields = response.json<{ error: { details: Array<{ field: string }> } }>().error.details.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['row 3: voice', 'row 4: script', 'row 5: video', 'row 6: script']));
    expect(fields.some((f) => f.startsWith('row 2'))).toBe(false);
    expect(await t.db.render.count({ where: { organizationId: account.organizationId } })).toBe(0);
    expect(await t.db.batch.count({ where: { organizationId: account.organizationId } })).toBe(0);
  });

  it.each([
    ['Latin-1 bytes', Buffer.from([...Buffer.from('script,video\nCaf'), 0xe9, ...Buffer.from(',x\n')]), /not UTF-8/],
    ['a missing column', 'script,title\nHi,There\n', /must name the columns/],
    ['an unknown column', 'script,video,colour\nHi,x,red\n', /must name the columns/],
    ['too many rows', `script,video\n${'Hi,x\n'.repeat(600)}`, /more than 500 rows/],
    ['no rows', 'script,video\n', /no rows/],
  ])('refuses %s', async (_label, csv, message) => {
    const account = await proAccount('BatchFile');
    const response = await postCsv(account, csv);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { message: string } }>().error.message).toMatch(message);
  });

  it('names the cell of a fit it does not know', async () => {
    const account = await proAccount('BatchFit');
    const response = await postCsv(account, `script,video,fit\nHi,${await readyVideo(account)},zoom\n`);
    expect([response.statusCode, errorCode(response)]).toEqual([400, 'CUTLINE_VALIDATION_FAILED']);
    const fields = response.json<{ error: { details: Array<{ field: string }> } }>().error.details.map((d) => d.field);
    expect(new Set(fields)).toEqual(new Set(['row 2: fit']));
  });

  it('refuses an oversized upload outright', async () => {
    const account = await proAccount('BatchHuge');
    const response = await postCsv(account, `script,video\n${'x'.repeat(3 * 1024 * 1024)},y\n`);
    expect([response.statusCode, errorCode(response)]).toEqual([413, 'CUTLINE_BODY_TOO_LARGE']);
  });
});
